import { systemClock, type Clock } from './clock.js';
import { TelltaleError } from './errors.js';

/** Options for {@link delay}. */
export interface DelayOptions {
  /** Aborts the wait; the promise rejects with `TELLTALE_ABORTED`. */
  signal?: AbortSignal | undefined;
  /** Clock to wait on; defaults to {@link systemClock}. */
  clock?: Clock | undefined;
}

/**
 * Waits `milliseconds` on the given clock. Abortable: the returned promise
 * rejects with a `TELLTALE_ABORTED` error (cause: the signal's reason) at once
 * when the signal aborts, and the timer is cleared. The wait is something a
 * caller awaits (a retry wait, a poll interval), so on the system clock it
 * keeps the process alive until it ends.
 *
 * @example
 * ```ts
 * import { delay } from '@telltale/core';
 * const controller = new AbortController();
 * await delay(100, { signal: controller.signal });
 * ```
 */
export function delay(milliseconds: number, options: DelayOptions = {}): Promise<void> {
  const clock = options.clock ?? systemClock;
  const { signal } = options;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(abortError(signal));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The error Telltale rejects with when an operation is aborted through its signal.
 *
 * @example
 * ```ts
 * import { abortError } from '@telltale/core';
 * const controller = new AbortController();
 * controller.abort();
 * abortError(controller.signal).code; // 'TELLTALE_ABORTED'
 * ```
 */
export function abortError(signal?: AbortSignal): TelltaleError {
  return new TelltaleError('TELLTALE_ABORTED', 'The operation was aborted', { cause: signal?.reason });
}
