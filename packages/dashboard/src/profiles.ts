import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeError, TelltaleConfigError, type Clock, type Logger } from '@telltale/core';
import { SECURITY_HEADERS, sendJson } from './http-responses.js';
import { captureCpuProfile, heapSnapshotStream } from './profile-capture.js';
import { crossSiteReason } from './silence-action.js';

/**
 * Limits of the on-demand profiles (`POST {path}/actions/profile/cpu` and
 * `/heap`), which need `authorize.act` like every action.
 *
 * @example
 * ```ts
 * import type { ProfileOptions } from '@telltale/dashboard';
 * const profiles: ProfileOptions = { maxSeconds: 10, maxHeapSnapshotBytes: 256 * 1024 * 1024 };
 * ```
 */
export interface ProfileOptions {
  /** Longest CPU profile a request may ask for with `?seconds=`. Default 30, at most 300. */
  maxSeconds?: number;
  /**
   * Largest heap snapshot streamed, in bytes. A heap already above half of
   * it is refused up front (413); a snapshot that grows past it is cut off.
   * Default 1 GiB.
   */
  maxHeapSnapshotBytes?: number;
}

/** Dependencies of the profile endpoint, from the dashboard's resolved options. */
export interface ProfileContext {
  readonly hostAllowed: (request: IncomingMessage) => boolean;
  readonly act: ((request: IncomingMessage) => boolean | Promise<boolean>) | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

const DEFAULT_SECONDS = 10;

// One profile at a time per process: both kinds slow the whole process down.
let running = false;

function resolveLimits(options: ProfileOptions = {}): Required<ProfileOptions> {
  const maxSeconds = options.maxSeconds ?? 30;
  if (typeof maxSeconds !== 'number' || !(maxSeconds > 0) || maxSeconds > 300) {
    throw new TelltaleConfigError({
      option: 'profiles.maxSeconds',
      value: maxSeconds,
      expected: 'a number in (0, 300]',
    });
  }
  const maxHeapSnapshotBytes = options.maxHeapSnapshotBytes ?? 1024 ** 3;
  if (!Number.isSafeInteger(maxHeapSnapshotBytes) || maxHeapSnapshotBytes < 1) {
    throw new TelltaleConfigError({
      option: 'profiles.maxHeapSnapshotBytes',
      value: maxHeapSnapshotBytes,
      expected: 'a positive integer (bytes)',
    });
  }
  return { maxSeconds, maxHeapSnapshotBytes };
}

const fileTime = (epochMilliseconds: number): string => new Date(epochMilliseconds).toISOString().replace(/[:.]/g, '-');

function downloadHeaders(filename: string): Record<string, string> {
  return {
    ...SECURITY_HEADERS,
    'content-type': 'application/json',
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
  };
}

/** Aborted when the client goes away before the response is complete. */
function clientGone(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * Creates the handler of `POST {path}/actions/profile/{cpu|heap}`: the same
 * guards as every action (Host allow-list, same-origin action header,
 * `authorize.act`), one profile at a time (409 otherwise), bounded duration
 * and size, answered as a file download.
 */
export function createProfileEndpoint(context: ProfileContext, options?: ProfileOptions) {
  const limits = resolveLimits(options);

  const refusal = async (request: IncomingMessage): Promise<string | undefined> => {
    if (context.act === undefined) return 'dashboard actions are disabled: configure authorize.act to allow them';
    if (!context.hostAllowed(request)) return 'Host header is not an allowed dashboard host';
    const crossSite = crossSiteReason(request);
    if (crossSite !== undefined) return crossSite;
    if (!(await context.act(request))) return 'not allowed to act on this dashboard';
    return undefined;
  };

  const cpu = async (response: ServerResponse, query: URLSearchParams): Promise<void> => {
    const requested = query.get('seconds');
    const seconds = requested === null ? Math.min(DEFAULT_SECONDS, limits.maxSeconds) : Number(requested);
    if (!(seconds > 0) || seconds > limits.maxSeconds) {
      sendJson(response, 400, { error: `"seconds" must be more than 0 and at most ${limits.maxSeconds}` });
      return;
    }
    const startedAt = context.clock.now();
    const profile = await captureCpuProfile({
      milliseconds: seconds * 1000,
      signal: clientGone(response),
      clock: context.clock,
    });
    if (response.destroyed) return;
    const body = JSON.stringify(profile);
    response.writeHead(200, {
      ...downloadHeaders(`cpu-${fileTime(startedAt)}.cpuprofile`),
      'content-length': String(Buffer.byteLength(body)),
    });
    response.end(body);
  };

  const heap = async (response: ServerResponse): Promise<void> => {
    const heapUsed = process.memoryUsage().heapUsed;
    if (heapUsed > limits.maxHeapSnapshotBytes / 2) {
      sendJson(response, 413, {
        error: `heap (${heapUsed} bytes used) too large for a snapshot under profiles.maxHeapSnapshotBytes (${limits.maxHeapSnapshotBytes})`,
      });
      return;
    }
    const source = heapSnapshotStream();
    let written = 0;
    const bounded = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        if (written > limits.maxHeapSnapshotBytes)
          done(new Error('heap snapshot exceeded profiles.maxHeapSnapshotBytes'));
        else done(null, chunk);
      },
    });
    response.writeHead(200, downloadHeaders(`heap-${fileTime(context.clock.now())}.heapsnapshot`));
    try {
      await pipeline(source, bounded, response);
    } catch (error) {
      // Headers are out: cutting the connection is the only way to say the file is incomplete.
      context.logger.warn({ error: describeError(error), bytes: written }, 'dashboard heap snapshot cut off');
      response.destroy();
    }
  };

  return async (
    request: IncomingMessage,
    response: ServerResponse,
    kind: string,
    query: URLSearchParams,
  ): Promise<void> => {
    if (kind !== 'cpu' && kind !== 'heap') return sendJson(response, 404, { error: 'not found' });
    if (request.method !== 'POST') return sendJson(response, 405, { error: 'use POST' }, { allow: 'POST' });
    const refused = await refusal(request);
    if (refused !== undefined) return sendJson(response, 403, { error: refused });
    if (running) return sendJson(response, 409, { error: 'a profile is already being taken; try again when it ends' });
    running = true;
    try {
      await (kind === 'cpu' ? cpu(response, query) : heap(response));
    } finally {
      running = false;
    }
  };
}
