import { TelltaleError } from '@telltale/core';
import { NotifyMessageError } from '../errors.js';

/** How the webhook answers a `receive` that threw. */
export interface WebhookFailure {
  readonly statusCode: 400 | 500 | 503;
  readonly code: string;
  /** Sent to the caller: never a store's message (paths, errnos). */
  readonly message: string;
  readonly extra: Readonly<Record<string, unknown>>;
  /** A 503: send `Retry-After` so Alertmanager retries. */
  readonly retry: boolean;
  /** What the handler logs; the caller's mistakes (400) are not logged. */
  readonly log?: { readonly level: 'warn' | 'error'; readonly fields: Record<string, unknown>; readonly text: string };
}

// Temporary from Alertmanager's side (disk freed, lock released, restart): 503 asks it to retry.
const STORE_UNAVAILABLE = [
  'TELLTALE_NOTIFY_STORE_WRITE',
  'TELLTALE_NOTIFY_STORE_UNWRITABLE',
  'TELLTALE_NOTIFY_STORE_LOCKED',
  'TELLTALE_NOTIFY_STORE_UNAVAILABLE',
] as const;

/** Decides the answer to a failed `receive`; the handler logs and writes it. */
export function classifyWebhookFailure(error: unknown): WebhookFailure {
  if (TelltaleError.is(error, 'TELLTALE_INVALID_INPUT')) {
    const path = (error.details as { path?: string } | undefined)?.path;
    const extra = path === undefined ? {} : { field: path };
    return { statusCode: 400, code: 'invalid-alert-group', message: error.message, extra, retry: false };
  }
  if (NotifyMessageError.is(error)) {
    return {
      statusCode: 400,
      code: 'invalid-message',
      message: error.message,
      extra: { field: error.field },
      retry: false,
    };
  }
  if (TelltaleError.is(error, 'TELLTALE_NOTIFY_QUEUE_FULL') || TelltaleError.is(error, 'TELLTALE_NOTIFY_CLOSED')) {
    return {
      statusCode: 503,
      code: 'unavailable',
      message: error.message,
      extra: {},
      retry: true,
      log: {
        level: 'warn',
        fields: { code: error.code },
        text: 'alertmanager webhook refused: the queue cannot accept; Alertmanager will retry',
      },
    };
  }
  if (STORE_UNAVAILABLE.some((code) => TelltaleError.is(error, code))) {
    return {
      statusCode: 503,
      code: 'store-unavailable',
      message: 'The notification store is unavailable; retry later',
      extra: {},
      retry: true,
      log: {
        level: 'error',
        fields: { err: error },
        text: 'alertmanager webhook refused: the notification store is unavailable; Alertmanager will retry',
      },
    };
  }
  return {
    statusCode: 500,
    code: 'internal',
    message: 'The notification could not be queued',
    extra: {},
    retry: false,
    log: { level: 'error', fields: { err: error }, text: 'alertmanager webhook failed' },
  };
}
