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
 * const numbered: LiveMessage = { type: 'snapshot', data: { n: 7 }, dataJson: '{"n":7}', id: 7 };
 * ```
 */
export interface LiveMessage {
  readonly type?: string;
  readonly data: unknown;
  /** `JSON.stringify(data)` when the caller already has it (one serialisation saved); one line, no line breaks. */
  readonly dataJson?: string;
  /**
   * The id to give the event when it is above the topic's latest id (ids
   * only go up: otherwise the next id is used). For an app whose events
   * already carry a sequence number.
   */
  readonly id?: number;
}

const TYPE = /^[A-Za-z][\w.:-]{0,63}$/;

/** Checks a publication and serialises its data once; throws `TELLTALE_INVALID_INPUT`. */
export function validatePublication(
  topic: unknown,
  message: LiveMessage,
  maxDataBytes: number,
): { type: string; data: unknown; dataJson: string; id: number | undefined } {
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
  const id = message.id;
  if (id !== undefined && (!Number.isSafeInteger(id) || id < 1)) {
    throw new TelltaleError('TELLTALE_INVALID_INPUT', 'A live event id is a positive integer', {
      details: { path: 'id' },
    });
  }
  let dataJson: string | undefined;
  try {
    dataJson = message.dataJson ?? JSON.stringify(message.data);
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
  // dataJson becomes one SSE "data:" line: a line break would forge fields.
  if (typeof dataJson !== 'string' || (message.dataJson !== undefined && /[\r\n]/.test(dataJson))) {
    throw new TelltaleError('TELLTALE_INVALID_INPUT', 'Live event dataJson must be one line of JSON text', {
      details: { path: 'dataJson' },
    });
  }
  if (dataJson.length > maxDataBytes / 3 && Buffer.byteLength(dataJson) > maxDataBytes) {
    throw new TelltaleError('TELLTALE_INVALID_INPUT', `Live event data is limited to ${maxDataBytes} bytes of JSON`, {
      details: { path: 'data', limit: maxDataBytes },
    });
  }
  return { type, data: message.data, dataJson, id };
}
