import { expect } from 'vitest';
import { TelltaleError } from '@telltale/core';
import { createFallbackTranscriber, type SttProvider } from '@telltale/stt';
import { wavInput } from './audio.js';

/** Runs `provider` under a fallback transcriber with a short attempt timeout and expects a timeout. */
export async function expectAttemptTimeout(provider: SttProvider): Promise<void> {
  const stt = createFallbackTranscriber({ providers: [provider], attemptTimeout: 150, retry: false, probe: false });
  const started = performance.now();
  const failure = await stt.transcribe(wavInput()).catch((error: unknown) => error);
  await stt.close();
  expect(TelltaleError.is(failure, 'TELLTALE_STT_ALL_PROVIDERS_FAILED')).toBe(true);
  expect((failure as TelltaleError).details.attempts).toEqual([
    expect.objectContaining({ provider: provider.id, outcome: 'timeout' }),
  ]);
  expect(performance.now() - started).toBeLessThan(2000);
}
