import { Session } from 'node:inspector/promises';
import type { Readable } from 'node:stream';
import { getHeapSnapshot } from 'node:v8';
import type { Clock } from '@telltale/core';

/** A V8 CPU profile as Chrome DevTools saves it (`.cpuprofile`). */
export interface CpuProfile {
  readonly nodes: readonly unknown[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/**
 * Records a CPU profile of this process for `milliseconds` (or until
 * `signal` aborts, returning what was sampled so far) through an in-process
 * `node:inspector` session, which is disconnected afterwards.
 */
export async function captureCpuProfile(options: {
  milliseconds: number;
  signal: AbortSignal;
  clock: Clock;
}): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    // Awaited by the caller (the download), so the timer stays ref'ed.
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) return resolve();
      const timer = options.clock.setTimeout(() => {
        options.signal.removeEventListener('abort', stop);
        resolve();
      }, options.milliseconds);
      const stop = () => {
        options.clock.clearTimeout(timer);
        resolve();
      };
      options.signal.addEventListener('abort', stop, { once: true });
    });
    const { profile } = await session.post('Profiler.stop');
    await session.post('Profiler.disable');
    return profile;
  } finally {
    session.disconnect();
  }
}

/**
 * Writes a heap snapshot of this process as a stream of the
 * `.heapsnapshot` JSON. V8 builds the snapshot synchronously (the event
 * loop pauses for it, often seconds on a large heap), then it is read out
 * in chunks.
 */
export function heapSnapshotStream(): Readable {
  return getHeapSnapshot();
}
