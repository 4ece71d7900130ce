import { afterEach, describe, expect, it } from 'vitest';
import { TelltaleConfigError, TelltaleError, createManualClock } from '@telltale/core';
import { exponential } from '@telltale/resilience';
import {
  SttProviderError,
  createFallbackTranscriber,
  deepgramProvider,
  openaiProvider,
  type FallbackTranscriber,
  type FallbackTranscriberOptions,
  type ProviderStateChange,
} from '@telltale/stt';
import { hang, json, startVendor, type FakeVendor } from './support/server.js';
import { wavInput } from './support/audio.js';
import { scripted, sleep, sleepOn, transcriptOf } from './support/providers.js';

const open: FallbackTranscriber[] = [];
const vendors: FakeVendor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((transcriber) => transcriber.close()));
  await Promise.all(vendors.splice(0).map((vendor) => vendor.close()));
});

function make(options: FallbackTranscriberOptions): FallbackTranscriber {
  const transcriber = createFallbackTranscriber(options);
  open.push(transcriber);
  return transcriber;
}

const quickRetry = { maxAttempts: 2, backoff: exponential({ initial: '1ms', max: '2ms', jitter: 'none' }) };
const failing =
  (kind: SttProviderError['kind'], extra: Partial<{ retryAfterMs: number }> = {}) =>
  () =>
    Promise.reject(new SttProviderError(`scripted ${kind}`, { provider: 'p', kind, ...extra }));

describe('createFallbackTranscriber against real vendor servers', () => {
  it('falls back on 503s then a hang, stops touching the open primary, and the probe restores it', async () => {
    const primary = await startVendor((_request, response) =>
      json(response, 503, { err_code: 'SERVICE_UNAVAILABLE', err_msg: 'down' }),
    );
    const secondary = await startVendor((_request, response) =>
      json(response, 200, {
        text: 'from openai',
        words: [
          { word: 'from', start: 0, end: 0.2 },
          { word: 'openai', start: 0.3, end: 0.6 },
        ],
        segments: [],
      }),
    );
    vendors.push(primary, secondary);
    await fetch(`${secondary.url}/warm-up`); // the first fetch of a process loads undici: keep it out of the timings
    const changes: ProviderStateChange[] = [];
    const stt = make({
      providers: [
        deepgramProvider({ apiKey: 'dg', baseUrl: primary.url }),
        openaiProvider({ apiKey: 'oa', baseUrl: secondary.url }),
      ],
      attemptTimeout: 600,
      breaker: { failureRatio: 0.5, minimumThroughput: 4, window: '30s', halfOpenAfter: '1h' },
      retry: quickRetry,
      probe: { interval: '1h' },
    });
    stt.onStateChange((change) => changes.push(change));

    const first = await stt.transcribe(wavInput());
    expect(first.provider).toBe('openai');
    expect(first.text).toBe('from openai');
    expect(first.attempts?.map((a) => [a.provider, a.outcome, a.kind])).toEqual([
      ['deepgram', 'failure', 'retryable'],
      ['openai', 'success', undefined],
    ]);
    expect(primary.requests.filter((request) => request.url.pathname === '/v1/listen')).toHaveLength(2); // one retry

    primary.handle(hang);
    const second = await stt.transcribe(wavInput());
    expect(second.provider).toBe('openai');
    expect(second.attempts?.[0]).toMatchObject({ provider: 'deepgram', outcome: 'timeout' });
    expect(stt.states()).toEqual({ deepgram: 'open', openai: 'closed' });
    expect(changes).toContainEqual(expect.objectContaining({ provider: 'deepgram', from: 'closed', to: 'open' }));

    const touched = primary.requests.length;
    const started = performance.now();
    const third = await stt.transcribe(wavInput());
    expect(performance.now() - started).toBeLessThan(500); // no attempt timeout (600 ms) paid
    expect(third.attempts?.[0]).toMatchObject({ provider: 'deepgram', outcome: 'skipped', kind: 'breaker-open' });
    expect(primary.requests.length).toBe(touched);

    primary.handle((_request, response) =>
      json(response, 200, {
        metadata: { request_id: 'r' },
        results: { channels: [{ alternatives: [{ transcript: '', words: [] }] }] },
      }),
    );
    await stt.probeNow();
    expect(stt.states().deepgram).toBe('closed');
    expect(changes.at(-1)).toMatchObject({ provider: 'deepgram', to: 'closed', reason: 'probe-succeeded' });
    const probe = primary.requests.at(-1)!;
    expect(probe.body.length).toBeLessThan(20_000); // the small probe clip, not a user's audio
    const fourth = await stt.transcribe(wavInput());
    expect(fourth.provider).toBe('deepgram');
  });
});

describe('createFallbackTranscriber', () => {
  it('opens the breaker at once on permanent and quota errors, without retrying', async () => {
    for (const kind of ['permanent', 'quota-exhausted'] as const) {
      const primary = scripted('primary', failing(kind));
      const backup = scripted('backup');
      const stt = make({ providers: [primary, backup], attemptTimeout: 1000, retry: quickRetry });
      const changes: ProviderStateChange[] = [];
      stt.onStateChange((change) => changes.push(change));
      expect((await stt.transcribe(wavInput())).provider).toBe('backup');
      expect(primary.calls).toHaveLength(1);
      expect(stt.states().primary).toBe('isolated');
      expect(changes[0]).toMatchObject({ provider: 'primary', to: 'isolated', reason: `${kind}-error` });
      await stt.transcribe(wavInput());
      expect(primary.calls).toHaveLength(1);
    }
  });

  it('moves on from unsupported audio without blaming the provider', async () => {
    const primary = scripted('primary', failing('unsupported'));
    const stt = make({
      providers: [primary, scripted('backup')],
      attemptTimeout: 1000,
      retry: quickRetry,
      breaker: { minimumThroughput: 1 },
    });
    const result = await stt.transcribe(wavInput());
    expect(result.attempts?.[0]).toMatchObject({ outcome: 'failure', kind: 'unsupported' });
    expect(primary.calls).toHaveLength(1);
    expect(stt.states().primary).toBe('closed');
  });

  it('falls back at once on a rate limit whose Retry-After is too long, but retries a short one', async () => {
    const primary = scripted('primary', failing('rate-limited', { retryAfterMs: 30_000 }));
    const stt = make({
      providers: [primary, scripted('backup')],
      attemptTimeout: 1000,
      retry: { ...quickRetry, maxRetryAfter: '50ms' },
    });
    expect((await stt.transcribe(wavInput())).provider).toBe('backup');
    expect(primary.calls).toHaveLength(1);
    primary.behave((call) =>
      call === 2
        ? Promise.reject(
            new SttProviderError('slow down', { provider: 'primary', kind: 'rate-limited', retryAfterMs: 10 }),
          )
        : Promise.resolve(transcriptOf('primary')),
    );
    expect((await stt.transcribe(wavInput())).provider).toBe('primary');
    expect(primary.calls).toHaveLength(3);
  });

  it('treats an empty transcript of silence as a result, not a failure', async () => {
    const primary = scripted('primary', () => Promise.resolve(transcriptOf('primary', '')));
    const backup = scripted('backup');
    const stt = make({ providers: [primary, backup], attemptTimeout: 1000 });
    const result = await stt.transcribe(wavInput());
    expect(result).toMatchObject({ provider: 'primary', text: '' });
    expect(backup.calls).toHaveLength(0);
  });

  it('moves on when isAcceptable rejects a transcript', async () => {
    const stt = make({
      providers: [scripted('primary', () => Promise.resolve(transcriptOf('primary', 'garbage'))), scripted('backup')],
      attemptTimeout: 1000,
      isAcceptable: (transcript) => transcript.text !== 'garbage',
    });
    const result = await stt.transcribe(wavInput());
    expect(result.provider).toBe('backup');
    expect(result.attempts?.[0]).toMatchObject({ provider: 'primary', outcome: 'rejected' });
  });

  it('hedges to the next provider when the primary is slow, and cancels the loser', async () => {
    const clock = createManualClock();
    const primary = scripted('primary', async (_call, options) => {
      await sleepOn(clock, 3000, options.signal);
      return transcriptOf('primary');
    });
    const backup = scripted('backup', async () => {
      await sleepOn(clock, 10);
      return transcriptOf('backup');
    });
    const stt = make({ providers: [primary, backup], attemptTimeout: 2000, hedgeAfter: 40, clock });
    const pending = stt.transcribe(wavInput());
    await clock.advanceAsync(39);
    expect(backup.calls).toHaveLength(0); // not hedged before hedgeAfter
    await clock.advanceAsync(1);
    expect(backup.calls).toHaveLength(1);
    await clock.advanceAsync(10); // the backup answers at 50 ms, long before the primary's 3 s
    const result = await pending;
    expect(result.provider).toBe('backup');
    expect(result.attempts).toEqual([
      expect.objectContaining({ provider: 'primary', outcome: 'cancelled' }),
      expect.objectContaining({ provider: 'backup', outcome: 'success', hedged: true }),
    ]);
    expect(primary.aborted).toBe(1);
  });

  it('does not hedge when the primary answers in time', async () => {
    const backup = scripted('backup');
    const stt = make({ providers: [scripted('primary'), backup], attemptTimeout: 1000, hedgeAfter: 200 });
    expect((await stt.transcribe(wavInput())).provider).toBe('primary');
    expect(backup.calls).toHaveLength(0);
  });

  it('reports every attempt when all providers fail', async () => {
    const stt = make({
      providers: [scripted('a', failing('retryable')), scripted('b', failing('permanent'))],
      attemptTimeout: 1000,
      retry: false,
    });
    const failure = await stt.transcribe(wavInput()).catch((error: unknown) => error);
    expect(TelltaleError.is(failure, 'TELLTALE_STT_ALL_PROVIDERS_FAILED')).toBe(true);
    expect((failure as TelltaleError).details.attempts).toEqual([
      expect.objectContaining({ provider: 'a', outcome: 'failure', kind: 'retryable' }),
      expect.objectContaining({ provider: 'b', outcome: 'failure', kind: 'permanent' }),
    ]);
  });

  it('stops everything when the caller aborts', async () => {
    const primary = scripted('primary', async (_call, options) => {
      await sleep(1000, options.signal);
      return transcriptOf('primary');
    });
    const backup = scripted('backup');
    const stt = make({ providers: [primary, backup], attemptTimeout: 5000 });
    await expect(stt.transcribe(wavInput(), { signal: AbortSignal.timeout(30) })).rejects.toMatchObject({
      code: 'TELLTALE_ABORTED',
    });
    expect(backup.calls).toHaveLength(0);
  });

  it('probes an isolated provider in the background and restores it', async () => {
    let healthy = false;
    const primary = scripted('primary', () =>
      healthy
        ? Promise.resolve(transcriptOf('primary', ''))
        : Promise.reject(new SttProviderError('bad key', { provider: 'primary', kind: 'permanent' })),
    );
    const clock = createManualClock();
    const stt = make({
      providers: [primary, scripted('backup')],
      attemptTimeout: 1000,
      probe: { interval: 20 },
      clock,
    });
    await stt.transcribe(wavInput());
    expect(stt.states().primary).toBe('isolated');
    healthy = true;
    await clock.advanceAsync(19);
    expect(primary.calls).toHaveLength(1); // no probe before the interval
    await clock.advanceAsync(1);
    expect(stt.states().primary).toBe('closed');
    expect((await stt.transcribe(wavInput())).provider).toBe('primary');
  });

  it('applies external speaker turns to the winning transcript', async () => {
    const stt = make({ providers: [scripted('primary')], attemptTimeout: 1000 });
    const result = await stt.transcribe(wavInput(), {
      speakerTurns: [
        { start: 0, end: 0.45, speaker: 'alice' },
        { start: 0.45, end: 2, speaker: 'bob' },
      ],
    });
    expect(result.words.map((word) => word.speaker)).toEqual(['S1', 'S2']);
    expect(result.attempts).toHaveLength(1);
  });

  it('accepts per-provider breaker settings', async () => {
    const primary = scripted('primary', failing('retryable'));
    const backup = scripted('backup');
    const stt = make({
      providers: [primary, backup],
      attemptTimeout: 1000,
      retry: false,
      breaker: (provider) => (provider.id === 'primary' ? { minimumThroughput: 1, failureRatio: 0.5 } : undefined),
    });
    expect((await stt.transcribe(wavInput())).provider).toBe('backup');
    expect(stt.states()).toEqual({ primary: 'open', backup: 'closed' });
  });

  it('refuses calls after close()', async () => {
    const stt = make({ providers: [scripted('primary')], attemptTimeout: 1000 });
    await stt[Symbol.asyncDispose]();
    await expect(stt.transcribe(wavInput())).rejects.toMatchObject({ code: 'TELLTALE_CLOSED' });
  });

  it('validates its options', () => {
    expect(() => createFallbackTranscriber({ providers: [], attemptTimeout: 1000 })).toThrow(TelltaleConfigError);
    expect(() =>
      createFallbackTranscriber({ providers: [scripted('a'), scripted('a')], attemptTimeout: 1000 }),
    ).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/unique provider id/) }),
    );
    expect(() => createFallbackTranscriber({ providers: [scripted('a')], attemptTimeout: 'soon' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/attemptTimeout/) }),
    );
    expect(() => createFallbackTranscriber({ providers: [scripted('a')], attemptTimeout: 1, hedgeAfter: -1 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/hedgeAfter/) }),
    );
  });
});
