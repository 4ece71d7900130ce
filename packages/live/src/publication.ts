import { TelltaleError } from '@telltale/core';
import { isValidTopic } from './topics.js';

/**
 * What `hub.publish` takes: an optional type (the SSE `event:` field,
 * default `message`) and JSON-serialisable data.
 *
 * @example
 * ```ts
 * import type { LiveMessage } from '@telltale/live';
 * const message: LiveMessage = { type: 'progress', data: { percent: 40 } };
 * ```
 */
export interface LiveMessage {
  readonly type?: string;
  readonly data: unknown;
}

const TYPE = /^[A-Za-z][\w.:-]{0,63}$/;
const MAX_DATA_BYTES = 64 * 1024;

/** Checks a publication and serialises its data once; throws `TELLTALE_INVALID_INPUT`. */
export function validatePublication(
  topic: unknown,
  message: LiveMessage,
): { type: string; data: unknown; dataJson: string } {
  if (!isValidTopic(topic)) {
    throw new TelltaleError(
      'TELLTALE_INVALID_INPUT',
      'Invalid live topic: use 1-256 URL-safe characters in "/"-separated segments',
      {
        details: { path: 'topic' },
      },
    );
  }
  if (typeof message !== 'object' || message === null) {
    throw new TelltaleError('TELLTALE_INVALID_INPUT', 'A live message is an object { type?, data }', {
      details: { path: 'message' },
    });
  }
  const type = message.type ?? 'message';
  // The type becomes the SSE "event:" line: a newline would forge fields.
  if (typeof type !== 'string' || !TYPE.test(type)) {
    throw new TelltaleError(
      'TELLTALE_INVALID_INPUT',
      'A live event type is a letter then up to 63 of A-Z a-z 0-9 _ . : -',
      {
        details: { path: 'type' },
      },
    );
  }
  let dataJson: string | undefined;
  try {
    dataJson = JSON.stringify(message.data);
  } catch (error) {
    throw new TelltaleError('TELLTALE_INVALID_INPUT', 'Live event data must be JSON-serialisable', {
      cause: error,
      details: { path: 'data' },
    });
  }
  if (dataJson === undefined) {
    throw new TelltaleError(
      'TELLTALE_INVALID_INPUT',
      'Live event data must be JSON-serialisable (got undefined or a function)',
      {
        details: { path: 'data' },
      },
    );
  }
  if (dataJson.length > MAX_DATA_BYTES / 3 && Buffer.byteLength(dataJson) > MAX_DATA_BYTES) {
    throw new TelltaleError('TELLTALE_INVALID_INPUT', `Live event data is limited to ${MAX_DATA_BYTES} bytes of JSON`, {
      details: { path: 'data', limit: MAX_DATA_BYTES },
    });
  }
  return { type, data: message.data, dataJson };
}
