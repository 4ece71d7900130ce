import { options as check } from '@telltale/core';

/**
 * Options of {@link readBoundedBody}.
 *
 * @example
 * ```ts
 * const options: ReadBodyOptions = { maxBytes: 64 * 1024, signal };
 * ```
 */
export interface ReadBodyOptions {
  /** Bytes read at the most; the rest of the body is cancelled, not buffered. */
  maxBytes: number;
  /** Stops reading when aborted; what was read so far is returned. */
  signal?: AbortSignal | undefined;
}

/**
 * A response body read as UTF-8 text, at most `maxBytes` of it.
 *
 * @example
 * ```ts
 * const { text, truncated } = await readBoundedBody(response, { maxBytes: 1024 });
 * ```
 */
export interface BoundedBody {
  text: string;
  /** True when the body was longer than `maxBytes` (or reading was aborted) and was cut. */
  truncated: boolean;
}

/**
 * Reads a response body without letting a misbehaving server make us buffer
 * an unbounded amount: stops after `maxBytes`, cancels the rest of the stream
 * (so the connection is released) and decodes what was read as UTF-8 (a
 * character cut at the limit becomes U+FFFD, never an exception).
 *
 * @example
 * ```ts
 * import { readBoundedBody } from '@telltale/resilience';
 * const response = await fetch(url);
 * const { text, truncated } = await readBoundedBody(response, { maxBytes: 64 * 1024 });
 * ```
 */
export async function readBoundedBody(response: Response, options: ReadBodyOptions): Promise<BoundedBody> {
  const maxBytes = check.positiveInteger('readBoundedBody.maxBytes', options.maxBytes);
  if (!response.body) return { text: '', truncated: false };
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      if (options.signal?.aborted) {
        truncated = true;
        break;
      }
      const chunk = await reader.read();
      if (chunk.done) break;
      const room = maxBytes - size;
      if (chunk.value.byteLength > room) {
        text += decoder.decode(chunk.value.subarray(0, room), { stream: true });
        truncated = true;
        break;
      }
      size += chunk.value.byteLength;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { text: text + decoder.decode(), truncated };
}
