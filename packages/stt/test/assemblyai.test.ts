import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemblyAiProvider, type SttProviderError } from '@telltale/stt';
import { hang, json, startVendor, type FakeVendor, type Received } from './support/server.js';
import { wavInput } from './support/audio.js';
import { expectAttemptTimeout } from './support/hang.js';
import type { ServerResponse } from 'node:http';

// AssemblyAI v2: POST /v2/upload → { upload_url }, POST /v2/transcript → transcript object,
// GET /v2/transcript/{id} until status completed|error; times in milliseconds; errors { error }.
const COMPLETED = {
  id: 'tr_1',
  status: 'completed',
  text: 'Hello there. General Kenobi.',
  language_code: 'en_us',
  audio_duration: 3,
  speech_model: 'universal',
  words: [
    { text: 'Hello', start: 100, end: 400, confidence: 0.99, speaker: 'B' },
    { text: 'there.', start: 450, end: 900, confidence: 0.97, speaker: 'B' },
    { text: 'General', start: 1200, end: 1700, confidence: 0.95, speaker: 'A' },
    { text: 'Kenobi.', start: 1750, end: 2400, confidence: 0.9, speaker: 'A' },
  ],
  utterances: [
    { speaker: 'B', start: 100, end: 900, text: 'Hello there.', confidence: 0.98, words: [] },
    { speaker: 'A', start: 1200, end: 2400, text: 'General Kenobi.', confidence: 0.92, words: [] },
  ],
};

function happy(pollsBeforeDone: number) {
  let polls = 0;
  return (request: Received, response: ServerResponse) => {
    if (request.headers.authorization !== 'aai-secret')
      return json(response, 401, { error: 'Authentication error, API token missing/invalid' });
    if (request.url.pathname === '/v2/upload')
      return json(response, 200, { upload_url: 'https://cdn.assemblyai.com/upload/abc' });
    if (request.url.pathname === '/v2/transcript' && request.method === 'POST')
      return json(response, 200, { id: 'tr_1', status: 'queued' });
    if (request.url.pathname === '/v2/transcript/tr_1') {
      polls++;
      return json(
        response,
        200,
        polls <= pollsBeforeDone ? { id: 'tr_1', status: polls === 1 ? 'queued' : 'processing' } : COMPLETED,
      );
    }
    return json(response, 404, { error: 'Not found' });
  };
}

describe('assemblyAiProvider', () => {
  let vendor: FakeVendor;
  beforeAll(async () => {
    vendor = await startVendor(happy(2));
  });
  afterAll(() => vendor.close());
  const provider = (options: Partial<Parameters<typeof assemblyAiProvider>[0]> = {}) =>
    assemblyAiProvider({ apiKey: 'aai-secret', baseUrl: vendor.url, pollInterval: '10ms', ...options });

  it('uploads, submits with speaker_labels, polls, and converts milliseconds to seconds', async () => {
    const input = wavInput(1);
    const first = vendor.requests.length;
    const transcript = await provider().transcribe(input, { diarize: true, language: 'en_us' });
    const requests = vendor.requests.slice(first);
    expect(requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      'POST /v2/upload',
      'POST /v2/transcript',
      'GET /v2/transcript/tr_1',
      'GET /v2/transcript/tr_1',
      'GET /v2/transcript/tr_1',
    ]);
    expect(requests[0]!.headers['content-type']).toBe('application/octet-stream');
    expect(requests[0]!.body.equals(Buffer.from(input.data))).toBe(true);
    expect(JSON.parse(requests[1]!.body.toString())).toMatchObject({
      audio_url: 'https://cdn.assemblyai.com/upload/abc',
      speaker_labels: true,
      language_code: 'en_us',
    });
    expect(transcript.words[0]).toEqual({ text: 'Hello', start: 0.1, end: 0.4, confidence: 0.99, speaker: 'S1' });
    expect(transcript.words[2]!.speaker).toBe('S2');
    expect(transcript.segments.map((s) => [s.speaker, s.start, s.end])).toEqual([
      ['S1', 0.1, 0.9],
      ['S2', 1.2, 2.4],
    ]);
    expect(transcript.metadata).toEqual({ requestId: 'tr_1', billedSeconds: 3, model: 'universal' });
  });

  it('reports a job that ended in error as unsupported audio', async () => {
    vendor.handle((request, response) => {
      if (request.url.pathname === '/v2/upload') return json(response, 200, { upload_url: 'u' });
      if (request.method === 'POST') return json(response, 200, { id: 'tr_2', status: 'queued' });
      return json(response, 200, { id: 'tr_2', status: 'error', error: 'File does not appear to contain audio.' });
    });
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({
      kind: 'unsupported',
      requestId: 'tr_2',
      message: /does not appear to contain audio/,
    });
  });

  it('gives up after the polling deadline', async () => {
    vendor.handle((request, response) => {
      if (request.url.pathname === '/v2/upload') return json(response, 200, { upload_url: 'u' });
      return json(response, 200, { id: 'tr_3', status: 'processing' });
    });
    await expect(provider({ deadline: '60ms' }).transcribe(wavInput())).rejects.toMatchObject({
      kind: 'retryable',
      providerCode: 'deadline_exceeded',
    });
  });

  it.each([
    [401, { error: 'Authentication error, API token missing/invalid' }, 'permanent'],
    [429, { error: 'Too many concurrent requests' }, 'rate-limited'],
    [400, { error: 'Your current account balance is negative. Please top up to continue.' }, 'quota-exhausted'],
    [500, { error: 'Internal server error' }, 'retryable'],
  ])('classifies %i on upload', async (status, body, kind) => {
    vendor.handle((_request, response) => json(response, status, body, { 'retry-after': '3' }));
    const failure = (await provider()
      .transcribe(wavInput())
      .catch((caught: unknown) => caught)) as SttProviderError;
    expect(failure.kind).toBe(kind);
    expect(failure.message).toContain(body.error);
  });

  it('rejects malformed bodies', async () => {
    vendor.handle((_request, response) => json(response, 200, { nothing: true }));
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({ message: /upload_url is missing/ });
    vendor.handle((request, response) => {
      if (request.url.pathname === '/v2/upload') return json(response, 200, { upload_url: 'u' });
      return json(response, 200, { id: 'tr_4', status: 'exploded' });
    });
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({ message: /unknown status "exploded"/ });
  });

  it('times out a hanging server as an attempt timeout', async () => {
    vendor.handle(hang);
    await expectAttemptTimeout(provider());
  });

  it('stops polling when aborted', async () => {
    vendor.handle((request, response) => {
      if (request.url.pathname === '/v2/upload') return json(response, 200, { upload_url: 'u' });
      return json(response, 200, { id: 'tr_5', status: 'processing' });
    });
    await expect(provider().transcribe(wavInput(), { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      code: 'TELLTALE_ABORTED',
    });
  });
});
