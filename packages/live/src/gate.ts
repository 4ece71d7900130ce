import type { IncomingMessage } from 'node:http';
import type { Lease } from './connection.js';
import type { AuthorizeResult, LiveTransport, ResolvedHubOptions } from './hub-options.js';
import { NOT_FOUND, type JsonAnswer } from './http-responses.js';
import type { ConnectionRegistry } from './registry.js';
import type { LiveTelemetry } from './telemetry.js';

/** A request under the base path, split into its topic and query. */
export interface LiveTarget {
  readonly topic: string;
  readonly query: URLSearchParams;
}

/**
 * The topic and query of `url` when it is under `basePath`, `null` when the
 * path is elsewhere (not ours), or `undefined` when it is under `basePath`
 * but names no topic the hub serves.
 */
export function parseTarget(url: string, basePath: string): LiveTarget | null | undefined {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (!path.startsWith(`${basePath}/`) && path !== basePath) return null;
  const topic = path.slice(basePath.length + 1);
  if (topic === '') return undefined;
  return { topic, query: new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)) };
}

/** Parses a resume id (`Last-Event-ID`, `?lastEventId=`, `?after=`): a non-negative integer. */
export function parseEventId(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/**
 * Runs `authorize` and admission for one connection or poll. Returns the
 * lease that counts against the caps, or the answer to send instead. A
 * throwing `authorize` answers 500 and is logged; it never opens a stream.
 */
export async function admitRequest(
  options: ResolvedHubOptions,
  registry: ConnectionRegistry,
  telemetry: LiveTelemetry,
  request: IncomingMessage,
  topic: string,
  transport: LiveTransport,
): Promise<Lease | JsonAnswer> {
  const match = options.topics.match(topic);
  if (!match) return NOT_FOUND;
  if (registry.closing) return registry.admit('');
  let result: AuthorizeResult;
  try {
    result = await options.authorize(request, topic, {
      transport,
      params: match.params,
      pattern: match.pattern,
      address: clientAddress(request, options.trustProxy),
    });
  } catch (error) {
    telemetry.refused('error');
    options.logger.error({ err: error, topic, transport }, 'live: authorize threw; answered 500');
    return { status: 500, body: { error: 'internal_error', message: 'Could not authorize this request' } };
  }
  if (typeof result !== 'object' || result === null || result.allow !== true) {
    const denied = result as { status?: unknown; message?: unknown } | null;
    const status = denied?.status === 403 ? 403 : 401;
    telemetry.refused(status === 403 ? 'forbidden' : 'unauthorized');
    const message =
      typeof denied?.message === 'string' ? denied.message : status === 403 ? 'Forbidden' : 'Authentication required';
    return { status, body: { error: status === 403 ? 'forbidden' : 'unauthorized', message } };
  }
  if (typeof result.key !== 'string' || result.key === '') {
    telemetry.refused('error');
    options.logger.error({ topic, transport }, 'live: authorize allowed without a key; answered 500');
    return { status: 500, body: { error: 'internal_error', message: 'Could not authorize this request' } };
  }
  const lease = registry.admit(result.key);
  return isAnswer(lease) ? lease : await registry.caps.acrossInstances(lease);
}

/** True for a {@link JsonAnswer} (a refusal) rather than a lease. */
export function isAnswer(value: Lease | JsonAnswer): value is JsonAnswer {
  return 'status' in value;
}

function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return request.socket.remoteAddress ?? '';
}
