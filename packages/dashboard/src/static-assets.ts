import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './http-responses.js';

/** A file of the page, read once from the package's `static/` directory. */
export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

// A Map: names come from the URL, and `constructor` must not find Object.prototype's.
const ASSETS: ReadonlyMap<string, string> = new Map([
  ['index.html', 'text/html; charset=utf-8'],
  ['dashboard.css', 'text/css; charset=utf-8'],
  ['dashboard.js', 'text/javascript; charset=utf-8'],
]);

// `static/` sits beside `src/` and `dist/`, so the same relative URL works
// from the sources (tests) and from the published build.
const STATIC_DIRECTORY = new URL('../static/', import.meta.url);

const cache = new Map<string, Promise<StaticAsset>>();

/** `undefined` for names that are not part of the page. */
export function staticAsset(name: string): Promise<StaticAsset> | undefined {
  const contentType = ASSETS.get(name);
  if (contentType === undefined) return undefined;
  let asset = cache.get(name);
  if (asset === undefined) {
    asset = readFile(new URL(name, STATIC_DIRECTORY)).then((body) => ({
      body,
      contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    }));
    // A failed read (e.g. a broken install) is retried on the next request.
    asset.catch(() => cache.delete(name));
    cache.set(name, asset);
  }
  return asset;
}

/** Serves one file of the page (with `ETag` revalidation); false when `name` is not one. */
export async function serveStaticAsset(
  request: IncomingMessage,
  response: ServerResponse,
  name: string,
): Promise<boolean> {
  const pending = staticAsset(name);
  if (pending === undefined) return false;
  const asset = await pending;
  const headers = { ...SECURITY_HEADERS, etag: asset.etag, 'cache-control': 'no-cache' };
  if (request.headers['if-none-match'] === asset.etag) {
    response.writeHead(304, headers);
    response.end();
    return true;
  }
  response.writeHead(200, { ...headers, 'content-type': asset.contentType, 'content-length': asset.body.length });
  response.end(request.method === 'HEAD' ? undefined : asset.body);
  return true;
}
