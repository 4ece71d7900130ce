import { abortError } from '@telltale/core';

/** Bounds how many local engine processes run at once; the rest wait in order. */
export interface ProcessSlots {
  /** Resolves with a release function once a slot is free; rejects `TELLTALE_ABORTED` if `signal` aborts first. */
  acquire(signal: AbortSignal | undefined): Promise<() => void>;
  /** Calls running and waiting, for tests and telemetry. */
  readonly running: number;
  readonly waiting: number;
}

export function processSlots(limit: number): ProcessSlots {
  let running = 0;
  const queue: { grant: () => void }[] = [];
  const release = (): void => {
    const next = queue.shift();
    if (next) next.grant();
    else running--;
  };
  const once = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };
  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      if (running < limit) {
        running++;
        return Promise.resolve(once());
      }
      return new Promise((resolve, reject) => {
        const entry = {
          // The slot passes straight from the releasing call to this one: `running` is unchanged.
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(once());
          },
        };
        const onAbort = (): void => {
          const index = queue.indexOf(entry);
          if (index !== -1) queue.splice(index, 1);
          reject(abortError(signal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(entry);
      });
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
  };
}
