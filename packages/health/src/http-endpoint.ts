import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackRequest, TelltaleConfigError } from '@telltale/core';
import type { HealthRegistry } from './registry-types.js';
import type { HealthDocument, HealthStatus } from './types.js';

/**
 * Who may see check details (outputs, observed values, component ids):
 * `'when-authorized'` (default: requests made directly from this machine, or
 * that `authorize` accepts), `'always'`, `'never'`, or a function of the
 * request. Everyone else gets `{ "status": ... }` only; the status code is
 * the same for all.
 *
 * @example
 * ```ts
 * import type { ExposeDetails } from '@telltale/health';
 * const exposeDetails: ExposeDetails = (request) => request.headers['x-health-token'] === process.env.HEALTH_TOKEN;
 * ```
 */
export type ExposeDetails =
  'when-authorized' | 'always' | 'never' | ((request: IncomingMessage) => boolean | Promise<boolean>);

/**
 * Options shared by the HTTP endpoint and the Express, Fastify and node adapters.
 *
 * @example
 * ```ts
 * import type { HealthEndpointOptions } from '@telltale/health';
 * const options: HealthEndpointOptions = { basePath: '/_health', exposeDetails: 'never' };
 * ```
 */
export interface HealthEndpointOptions {
  /** Where the endpoints live. Default `'/health'`. */
  basePath?: string;
  /**
   * Who sees check details. Default `'when-authorized'`: loopback requests
   * (no proxy headers, a local `Host`) and requests `authorize` accepts.
   */
  exposeDetails?: ExposeDetails;
  /** With `exposeDetails: 'when-authorized'`, also shows details to requests this accepts (e.g. a token). */
  authorize?: (request: IncomingMessage) => boolean | Promise<boolean>;
}

/**
 * A framework-neutral HTTP answer.
 *
 * @example
 * ```ts
 * import type { HealthHttpResponse } from '@telltale/health';
 * const answer: HealthHttpResponse = { statusCode: 200, headers: {}, body: '{"status":"pass"}' };
 * ```
 */
export interface HealthHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The node:http-level core every adapter uses. See {@link createHealthEndpoint}.
 *
 * @example
 * ```ts
 * const endpoint = createHealthEndpoint(registry);
 * if (!(await endpoint.handle(request, response))) response.writeHead(404).end();
 * ```
 */
export interface HealthEndpoint {
  /** The normalised base path, e.g. `/health`. */
  readonly basePath: string;
  /** The answer for a GET or HEAD under `basePath`, else `undefined`. `url` defaults to `request.url`. */
  respond(request: IncomingMessage, url?: string): Promise<HealthHttpResponse | undefined>;
  /** Writes the answer to `response`; false when the request is not a health request. */
  handle(request: IncomingMessage, response: ServerResponse, url?: string): Promise<boolean>;
}

const CONTENT_TYPE = 'application/health+json';
const STATUS_ONLY: Readonly<Record<HealthStatus, string>> = {
  pass: '{"status":"pass"}',
  warn: '{"status":"warn"}',
  fail: '{"status":"fail"}',
};
// A Map: segments come from the URL, and `constructor` or `__proto__` must not reach Object.prototype.
const GROUPS: ReadonlyMap<string, (registry: HealthRegistry) => Promise<HealthDocument>> = new Map([
  ['live', (registry: HealthRegistry) => registry.liveness()],
  ['ready', (registry: HealthRegistry) => registry.readiness()],
  ['startup', (registry: HealthRegistry) => registry.startup()],
]);
const EXPOSE_MODES: ReadonlySet<unknown> = new Set(['when-authorized', 'always', 'never']);

/**
 * Serves a registry over HTTP: `GET {basePath}` (every check),
 * `{basePath}/live`, `/ready`, `/startup`, `/{component}` and `/{tag}`, as
 * `application/health+json` with `Cache-Control: no-store`; 200 for `pass`
 * and `warn`, 503 for `fail`, 404 for an unknown component. `?quick` answers
 * `{ status }` only.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createHealthEndpoint, createHealthRegistry } from '@telltale/health';
 *
 * const registry = createHealthRegistry();
 * const endpoint = createHealthEndpoint(registry, { basePath: '/health' });
 * createServer(async (request, response) => {
 *   if (await endpoint.handle(request, response)) return;
 *   response.end('hello');
 * }).listen(3000);
 * ```
 */
export function createHealthEndpoint(registry: HealthRegistry, options: HealthEndpointOptions = {}): HealthEndpoint {
  const basePath = normaliseBasePath(options.basePath);
  const exposeDetails = options.exposeDetails ?? 'when-authorized';
  if (!EXPOSE_MODES.has(exposeDetails) && typeof exposeDetails !== 'function') {
    throw new TelltaleConfigError({
      option: 'exposeDetails',
      value: exposeDetails,
      expected: '"when-authorized", "always", "never" or a function (request) => boolean',
    });
  }
  const authorize = options.authorize;
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new TelltaleConfigError({
      option: 'authorize',
      value: authorize,
      expected: 'a function (request) => boolean',
    });
  }

  // A predicate that throws hides details: failing closed.
  const accepts = async (
    predicate: (request: IncomingMessage) => boolean | Promise<boolean>,
    request: IncomingMessage,
  ): Promise<boolean> => {
    try {
      return (await predicate(request)) === true;
    } catch {
      return false;
    }
  };

  const mayExpose = async (request: IncomingMessage): Promise<boolean> => {
    if (exposeDetails === 'always') return true;
    if (exposeDetails === 'never') return false;
    if (typeof exposeDetails === 'function') return accepts(exposeDetails, request);
    if (isLoopbackRequest(request)) return true;
    return authorize !== undefined && accepts(authorize, request);
  };

  const documentFor = (segment: string): Promise<HealthDocument> | undefined => {
    if (segment === '') return registry.run();
    const group = GROUPS.get(segment);
    if (group) return group(registry);
    const known = registry.checks();
    if (known.some((check) => check.component === segment)) return registry.run({ component: segment });
    if (known.some((check) => check.tags.includes(segment))) return registry.run({ tags: [segment] });
    return undefined;
  };

  // Bodies of shared (frozen) documents are serialised once.
  const bodies = new WeakMap<HealthDocument, string>();
  const serialise = (document: HealthDocument): string => {
    let body = bodies.get(document);
    if (body === undefined) {
      body = JSON.stringify(document);
      bodies.set(document, body);
    }
    return body;
  };

  const respond = async (
    request: IncomingMessage,
    url = request.url ?? '/',
  ): Promise<HealthHttpResponse | undefined> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const segment = matchSegment(path, basePath);
    if (segment === undefined) return undefined;
    const headers = { 'content-type': CONTENT_TYPE, 'cache-control': 'no-store' };
    const pending = documentFor(segment);
    if (!pending) {
      const body = JSON.stringify({ status: 'fail', output: `no health check component or tag named "${segment}"` });
      return { statusCode: 404, headers, body: request.method === 'HEAD' ? '' : body };
    }
    const quick = queryAt !== -1 && isQuick(url.slice(queryAt + 1));
    const expose = !quick && (exposeDetails === 'always' || (await mayExpose(request)));
    const document = await pending;
    const statusCode = document.status === 'fail' ? 503 : 200;
    if (request.method === 'HEAD') return { statusCode, headers, body: '' };
    const body = expose ? serialise(document) : STATUS_ONLY[document.status];
    return { statusCode, headers, body };
  };

  return {
    basePath,
    respond,
    async handle(request, response, url) {
      const answer = await respond(request, url);
      if (!answer) return false;
      answer.headers['content-length'] = String(Buffer.byteLength(answer.body));
      response.writeHead(answer.statusCode, answer.headers).end(answer.body);
      return true;
    },
  };
}

function normaliseBasePath(value: unknown): string {
  if (value === undefined) return '/health';
  if (typeof value !== 'string' || !value.startsWith('/') || /[?#\s]/.test(value)) {
    throw new TelltaleConfigError({ option: 'basePath', value, expected: 'a path starting with "/", e.g. "/health"' });
  }
  return value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
}

/** The part after `basePath` ('' for the base itself), or undefined when the path is not a health path. */
function matchSegment(path: string, basePath: string): string | undefined {
  const prefix = basePath === '/' ? '' : basePath;
  if (path === prefix || path === `${prefix}/`) return '';
  if (!path.startsWith(`${prefix}/`)) return undefined;
  const rest = path.slice(prefix.length + 1);
  const segment = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  if (segment.includes('/')) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function isQuick(query: string): boolean {
  for (const pair of query.split('&')) {
    const [key, value] = pair.split('=');
    if (key === 'quick') return value === undefined || (value !== 'false' && value !== '0');
  }
  return false;
}
