import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseDuration } from '@telltale/core';
import { BODY_TOO_LARGE, readBody, sendJson } from './http-responses.js';
import type { AlertView } from './views.js';

/**
 * Header the page sends with every action; cross-site forms and simple
 * requests cannot set it. Scripts calling the action endpoint must send it.
 *
 * @example
 * ```ts
 * import { ACTION_HEADER } from '@telltale/dashboard';
 * await fetch('/_telltale/actions/silence', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json', [ACTION_HEADER]: '1' },
 *   body: JSON.stringify({ alertId, duration: '1h', comment: 'deploying a fix' }),
 * });
 * ```
 */
export const ACTION_HEADER = 'x-telltale-dashboard';

const MAX_BODY_BYTES = 8 * 1024;
const MAX_COMMENT_LENGTH = 500;
const MAX_SILENCE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * What the `silence` action receives besides the alert.
 *
 * @example
 * ```ts
 * import type { SilenceRequest } from '@telltale/dashboard';
 * const silence = (alert: AlertView, { until, comment, request }: SilenceRequest) =>
 *   engine.silence({ alertname: alert.name }, { until, comment: `${comment} (${request.socket.remoteAddress})` });
 * ```
 */
export interface SilenceRequest {
  /** End of the silence. */
  readonly until: Date;
  /** Why, as typed by the operator (at most 500 characters). */
  readonly comment: string;
  /** The HTTP request that asked for it (for audit logs: who, from where). */
  readonly request: IncomingMessage;
}

/**
 * Rejects cross-site requests: the custom header forces a CORS preflight
 * that the dashboard never answers, and browsers that send `Origin` or
 * `Sec-Fetch-Site` must show the page's own origin.
 */
export function crossSiteReason(request: IncomingMessage): string | undefined {
  if (request.headers[ACTION_HEADER] !== '1') return `the ${ACTION_HEADER}: 1 header is required`;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'cross-site request refused';
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return 'malformed Origin header';
    }
    // URL lower-cases the host; Host is case-insensitive too.
    if (host !== request.headers.host?.toLowerCase()) return 'cross-origin request refused';
  } else if (origin === 'null') {
    return 'opaque origin refused';
  }
  return undefined;
}

interface ParsedSilence {
  readonly alertId: string;
  readonly duration: number;
  readonly comment: string;
}

function parseSilenceBody(body: unknown): ParsedSilence | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'expected a JSON object';
  const { alertId, duration, comment } = body as Record<string, unknown>;
  if (typeof alertId !== 'string' || alertId === '') return '"alertId" must be a non-empty string';
  let milliseconds: number;
  try {
    milliseconds = parseDuration((duration ?? '1h') as string, 'duration');
  } catch {
    return '"duration" must be a duration such as "30m" or "2h"';
  }
  if (milliseconds <= 0 || milliseconds > MAX_SILENCE_MS) return '"duration" must be more than 0 and at most 7d';
  if (comment !== undefined && typeof comment !== 'string') return '"comment" must be a string';
  if ((comment ?? '').length > MAX_COMMENT_LENGTH) return `"comment" must be at most ${MAX_COMMENT_LENGTH} characters`;
  return { alertId, duration: milliseconds, comment: comment?.trim() || 'silenced from the dashboard' };
}

/** Reads the body: already parsed by a framework (`body` given), or from the stream. */
async function bodyOf(request: IncomingMessage, parsed: unknown): Promise<unknown> {
  if (parsed === undefined) return JSON.parse(await readBody(request, MAX_BODY_BYTES));
  // Frameworks parse with their own (larger) limits; the action keeps the same 8 KiB for every adapter.
  const text = typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
  if (Buffer.byteLength(text ?? '') > MAX_BODY_BYTES) throw new Error(BODY_TOO_LARGE);
  return typeof parsed === 'string' ? JSON.parse(parsed) : parsed;
}

/** Dependencies of {@link handleSilence}. */
export interface SilenceContext {
  /** The DNS-rebinding guard: false for a `Host` not in `allowedHosts`. */
  readonly hostAllowed: (request: IncomingMessage) => boolean;
  readonly act: ((request: IncomingMessage) => boolean | Promise<boolean>) | undefined;
  readonly silence: ((alert: AlertView, request: SilenceRequest) => unknown) | undefined;
  readonly alerts: (() => readonly AlertView[]) | undefined;
  readonly now: () => number;
  readonly onSilenced: () => void;
}

/** Answers `POST {path}/actions/silence`; every refusal is explicit. */
export async function handleSilence(
  context: SilenceContext,
  request: IncomingMessage,
  response: ServerResponse,
  parsedBody: unknown,
): Promise<void> {
  if (context.act === undefined) {
    sendJson(response, 403, { error: 'dashboard actions are disabled: configure authorize.act to allow them' });
    return;
  }
  // Before Origin: a rebound page's Origin matches its (foreign) Host.
  if (!context.hostAllowed(request)) {
    sendJson(response, 403, {
      error: 'Host header is not an allowed dashboard host: add the name to the allowedHosts option',
    });
    return;
  }
  const crossSite = crossSiteReason(request);
  if (crossSite !== undefined) {
    sendJson(response, 403, { error: crossSite });
    return;
  }
  if (!(await context.act(request))) {
    sendJson(response, 403, { error: 'not allowed to act on this dashboard' });
    return;
  }
  if (context.silence === undefined || context.alerts === undefined) {
    sendJson(response, 501, { error: 'no silence action configured (actions.silence and sources.alerts)' });
    return;
  }
  if (parsedBody === undefined && !String(request.headers['content-type'] ?? '').startsWith('application/json')) {
    sendJson(response, 415, { error: 'expected Content-Type: application/json' });
    return;
  }
  let body: unknown;
  try {
    body = await bodyOf(request, parsedBody);
  } catch (error) {
    if (error instanceof Error && error.message === BODY_TOO_LARGE) {
      sendJson(response, 413, { error: `body too large (limit ${MAX_BODY_BYTES} bytes)` }, { connection: 'close' });
    } else {
      sendJson(response, 400, { error: 'malformed JSON body' });
    }
    return;
  }
  const parsed = parseSilenceBody(body);
  if (typeof parsed === 'string') {
    sendJson(response, 400, { error: parsed });
    return;
  }
  const alert = context.alerts().find((candidate) => candidate.id === parsed.alertId);
  if (alert === undefined) {
    sendJson(response, 404, { error: 'no such firing or pending alert', alertId: parsed.alertId });
    return;
  }
  const until = new Date(context.now() + parsed.duration);
  await context.silence(alert, { until, comment: parsed.comment, request });
  sendJson(response, 200, { silenced: alert.id, until: until.toISOString(), comment: parsed.comment });
  context.onSilenced();
}
