import { abortError, type Clock } from '@telltale/core';
import type { SttProvider, Transcript, TranscribeOptions } from '@telltale/stt';

export function transcriptOf(provider: string, text = 'hello world'): Transcript {
  const words =
    text === ''
      ? []
      : text.split(' ').map((word, index) => ({ text: word, start: index * 0.5, end: index * 0.5 + 0.4 }));
  return { text, words, segments: [], provider, warnings: [], metadata: {}, durationSeconds: 1 };
}

/** Waits `ms` or rejects when `signal` aborts (what a well-behaved provider does). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(abortError(signal));
    });
  });
}

/** {@link sleep} on an injected clock: a manual clock decides when it ends. */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = clock.setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clock.clearTimeout(timer);
      reject(abortError(signal));
    });
  });
}

export interface ScriptedProvider extends SttProvider {
  calls: TranscribeOptions[];
  aborted: number;
  behave(next: (call: number, options: TranscribeOptions) => Promise<Transcript>): void;
}

/** A provider whose behaviour the test scripts per call. */
export function scripted(
  id: string,
  initial?: (call: number, options: TranscribeOptions) => Promise<Transcript>,
): ScriptedProvider {
  let behaviour = initial ?? (() => Promise.resolve(transcriptOf(id)));
  const provider: ScriptedProvider = {
    id,
    calls: [],
    aborted: 0,
    behave(next) {
      behaviour = next;
    },
    async transcribe(_audio, options = {}) {
      provider.calls.push(options);
      options.signal?.addEventListener('abort', () => provider.aborted++);
      return behaviour(provider.calls.length, options);
    },
  };
  return provider;
}
