import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** A file of the page, read once from the package's `static/` directory. */
export interface StaticAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
};

// `static/` sits beside `src/` and `dist/`, so the same relative URL works
// from the sources (tests) and from the published build.
const STATIC_DIRECTORY = new URL('../static/', import.meta.url);

const cache = new Map<string, Promise<StaticAsset>>();

/** `undefined` for names that are not part of the page. */
export function staticAsset(name: string): Promise<StaticAsset> | undefined {
  const contentType = ASSETS[name];
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
