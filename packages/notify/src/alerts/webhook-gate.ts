import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookAnswer, WebhookRequest } from './webhook-types.js';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A JSON answer with the no-store headers. */
export function answer(statusCode: number, body: unknown, headers: Record<string, string> = {}): WebhookAnswer {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Why a request is refused, before it becomes an answer. */
export interface Refusal {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly extra: Readonly<Record<string, unknown>>;
}

/** A refusal as `{ error: { code, message, ...extra } }`. */
export function refuse(failure: Refusal, headers: Record<string, string> = {}): WebhookAnswer {
  return answer(
    failure.statusCode,
    { error: { code: failure.code, message: failure.message, ...failure.extra } },
    headers,
  );
}

/** Shorthand for a {@link Refusal}. */
export function problem(
  statusCode: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): Refusal {
  return { statusCode, code, message, extra };
}

// Alertmanager sends `application/json`; JSON look-alikes such as `application/json-seq` are not it.
const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The checks a request passes before its body is read, and the answers for the body's limits. */
export interface WebhookGate {
  /** Method, bearer token, content type and declared length; `undefined` lets the request in. */
  precheck: (request: Omit<WebhookRequest, 'body'>) => WebhookAnswer | undefined;
  /** 408: the body took longer than `bodyTimeout`. */
  timedOut: () => WebhookAnswer;
  /** 413: the body exceeds `maxBodySize`. */
  tooLarge: () => WebhookAnswer;
}

/** Builds the {@link WebhookGate} for one handler's settings. */
export function webhookGate(settings: {
  bearerToken: string | undefined;
  maxBodySize: number;
  bodyTimeout: number;
}): WebhookGate {
  const { maxBodySize, bodyTimeout } = settings;
  const expected = settings.bearerToken === undefined ? undefined : digest(`Bearer ${settings.bearerToken}`);

  function precheck(request: Omit<WebhookRequest, 'body'>): WebhookAnswer | undefined {
    if (request.method !== 'POST') {
      return refuse(problem(405, 'method-not-allowed', 'Alertmanager webhooks are POSTed'), { allow: 'POST' });
    }
    if (expected !== undefined) {
      const given = header(request.headers, 'authorization') ?? '';
      // Hash both sides so the comparison is constant-time whatever the lengths.
      if (!timingSafeEqual(digest(given.replace(/^bearer /i, 'Bearer ')), expected)) {
        return refuse(problem(401, 'unauthorized', 'A valid bearer token is required'), {
          'www-authenticate': 'Bearer realm="alertmanager-webhook"',
        });
      }
    }
    const type = header(request.headers, 'content-type');
    if (type === undefined || !JSON_TYPE.test(type)) {
      return refuse(problem(415, 'unsupported-media-type', 'Expected an application/json body'));
    }
    const length = Number(header(request.headers, 'content-length'));
    if (Number.isFinite(length) && length > maxBodySize) return tooLarge();
    return undefined;
  }

  function timedOut(): WebhookAnswer {
    return refuse(problem(408, 'request-timeout', `The body took longer than ${bodyTimeout} ms`), {
      connection: 'close',
    });
  }

  function tooLarge(): WebhookAnswer {
    return refuse(problem(413, 'payload-too-large', `The body exceeds ${maxBodySize} bytes`), {
      connection: 'close',
    });
  }

  return { precheck, timedOut, tooLarge };
}
