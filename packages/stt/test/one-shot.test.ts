import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { runOneShot } from '../../../test-support/one-shot.js';
import { json, startVendor, type FakeVendor } from './support/server.js';

// Each script awaits one path in a bare `node` process: if the timer it depends on were
// unref'ed, Node would exit with code 13 and print nothing instead of the outcome.
// 127.0.0.1:9 (discard) refuses connections, so the OpenAI provider fails retryably at once.
const prelude = `
import { constant } from '@telltale/resilience';
import { createFallbackTranscriber, openaiProvider, pocketsphinxProvider, silentWav } from '@telltale/stt';
const audio = { data: silentWav(1), mediaType: 'audio/wav', filename: 'clip.wav' };
const refused = openaiProvider({ baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'x' });
const local = { id: 'local', transcribe: async () => ({ text: 'local answer', words: [], segments: [], provider: 'local', warnings: [] }) };
const hang = (id) => ({ id, transcribe: (_, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))) });
const outcome = (promise) => promise.then(
  (transcript) => ({ provider: transcript.provider, text: transcript.text }),
  (error) => ({ code: error.code, attempts: error.details?.attempts?.map((attempt) => attempt.provider + ' ' + attempt.outcome) }),
);
const print = (value) => console.log(JSON.stringify(value));
`;

async function run(body: string): Promise<unknown> {
  const result = await runOneShot(prelude + body, { package: 'stt', timeoutMs: 15_000 });
  expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
  return JSON.parse(result.stdout) as unknown;
}

const missingPocketsphinx = missingPeer('pocketsphinx_continuous');

describe('stt in a one-shot process', () => {
  it('waits out the retry of a refused provider, then falls back to the next', async () => {
    // A fixed backoff: the default full jitter sometimes waits 0 ms, which hid the bug on some runs.
    const body = `
const stt = createFallbackTranscriber({ providers: [refused, local], attemptTimeout: '5s', retry: { backoff: constant(200) } });
const result = await outcome(stt.transcribe(audio));
await stt.close();
print(result);`;
    expect(await run(body)).toEqual({ provider: 'local', text: 'local answer' });
  });

  it.skipIf(missingPocketsphinx)(
    'runs the issue script: refused OpenAI, then the local pocketsphinx engine',
    async () => {
      const body = `
const stt = createFallbackTranscriber({ providers: [refused, pocketsphinxProvider()], attemptTimeout: '20s' });
const result = await outcome(stt.transcribe(audio));
await stt.close();
print(result);`;
      expect(await run(body)).toEqual({ provider: 'pocketsphinx', text: '' });
    },
  );

  it('rejects with the attempt timeout when a provider never answers', async () => {
    const body = `
const stt = createFallbackTranscriber({ providers: [hang('slow')], attemptTimeout: '200ms', retry: false });
const result = await outcome(stt.transcribe(audio));
await stt.close();
print(result);`;
    expect(await run(body)).toEqual({ code: 'TELLTALE_STT_ALL_PROVIDERS_FAILED', attempts: ['slow timeout'] });
  });

  it('starts the hedged provider after hedgeAfter', async () => {
    const body = `
const stt = createFallbackTranscriber({ providers: [hang('slow'), local], attemptTimeout: '5s', hedgeAfter: '100ms' });
const result = await outcome(stt.transcribe(audio));
await stt.close();
print(result);`;
    expect(await run(body)).toEqual({ provider: 'local', text: 'local answer' });
  });

  describe('polling', () => {
    let vendor: FakeVendor;
    beforeAll(async () => {
      let polls = 0;
      vendor = await startVendor((request, response) => {
        if (request.url.pathname === '/v2/upload') return json(response, 200, { upload_url: 'https://cdn.example/a' });
        if (request.method === 'POST') return json(response, 200, { id: 'tr_1', status: 'queued' });
        polls++;
        if (polls < 3) return json(response, 200, { id: 'tr_1', status: 'processing' });
        return json(response, 200, { id: 'tr_1', status: 'completed', text: 'polled', words: [], audio_duration: 1 });
      });
    });
    afterAll(() => vendor.close());

    it('waits between AssemblyAI polls until the transcript is completed', async () => {
      const body = `
import { assemblyAiProvider } from '@telltale/stt';
const assembly = assemblyAiProvider({ apiKey: 'k', baseUrl: '${vendor.url}', pollInterval: '200ms' });
print(await outcome(assembly.transcribe(audio)));`;
      expect(await run(body)).toEqual({ provider: 'assemblyai', text: 'polled' });
    });
  });
});
