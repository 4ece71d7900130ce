import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelltaleConfigError } from '@telltale/core';
import { isSttProviderError, openaiProvider, type SttProviderError } from '@telltale/stt';
import { formData, hang, json, startVendor, type FakeVendor } from './support/server.js';
import { wavInput } from './support/audio.js';
import { expectAttemptTimeout } from './support/hang.js';

// Shapes from OpenAI's API reference: verbose_json with word + segment timestamps,
// diarized_json segments with speakers, and the { error: { message, type, param, code } } body.
const VERBOSE = {
  task: 'transcribe',
  language: 'english',
  duration: 2.5,
  text: 'Hello there. General Kenobi.',
  words: [
    { word: 'Hello', start: 0.0, end: 0.4 },
    { word: 'there', start: 0.45, end: 0.9 },
    { word: 'General', start: 1.2, end: 1.7 },
    { word: 'Kenobi', start: 1.75, end: 2.4 },
  ],
  segments: [
    {
      id: 0,
      seek: 0,
      start: 0.0,
      end: 0.9,
      text: ' Hello there.',
      tokens: [1],
      temperature: 0,
      avg_logprob: -0.2,
      compression_ratio: 1,
      no_speech_prob: 0.01,
    },
    {
      id: 1,
      seek: 0,
      start: 1.2,
      end: 2.4,
      text: ' General Kenobi.',
      tokens: [2],
      temperature: 0,
      avg_logprob: -0.2,
      compression_ratio: 1,
      no_speech_prob: 0.01,
    },
  ],
};
const DIARIZED = {
  task: 'transcribe',
  duration: 2.5,
  text: 'Hello there. General Kenobi.',
  segments: [
    { type: 'transcript.text.segment', id: 'seg_0', start: 0.0, end: 0.9, text: 'Hello there.', speaker: 'B' },
    { type: 'transcript.text.segment', id: 'seg_1', start: 1.2, end: 2.4, text: 'General Kenobi.', speaker: 'A' },
  ],
  usage: { type: 'duration', seconds: 3 },
};
const error = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });

describe('openaiProvider', () => {
  let vendor: FakeVendor;
  beforeAll(async () => {
    vendor = await startVendor((_request, response) => json(response, 200, VERBOSE, { 'x-request-id': 'req_123' }));
  });
  afterAll(() => vendor.close());
  const provider = (options: Partial<Parameters<typeof openaiProvider>[0]> = {}) =>
    openaiProvider({ apiKey: 'sk-test-secret', baseUrl: vendor.url, ...options });

  it('sends a multipart verbose_json request with word and segment granularities', async () => {
    vendor.handle((_request, response) => json(response, 200, VERBOSE, { 'x-request-id': 'req_123' }));
    const transcript = await provider().transcribe(wavInput(2.5), { language: 'en-US' });
    const request = vendor.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.url.pathname).toBe('/v1/audio/transcriptions');
    expect(request.headers.authorization).toBe('Bearer sk-test-secret');
    const form = await formData(request);
    expect(form.get('model')).toBe('whisper-1');
    expect(form.get('response_format')).toBe('verbose_json');
    expect(form.getAll('timestamp_granularities[]')).toEqual(['word', 'segment']);
    expect(form.get('language')).toBe('en');
    expect((form.get('file') as File).name).toBe('clip.wav');
    expect((form.get('file') as File).size).toBe(wavInput(2.5).data.byteLength);
    expect(transcript).toMatchObject({
      provider: 'openai',
      text: 'Hello there. General Kenobi.',
      language: 'english',
      durationSeconds: 2.5,
      metadata: { requestId: 'req_123', billedSeconds: 2.5, model: 'whisper-1' },
      warnings: [],
    });
    expect(transcript.words[1]).toEqual({ text: 'there', start: 0.45, end: 0.9 });
    expect(transcript.segments.map((segment) => segment.text)).toEqual(['Hello there.', 'General Kenobi.']);
  });

  it('asks a diarizing model for diarized_json and maps speakers to S1, S2 by first appearance', async () => {
    vendor.handle((_request, response) => json(response, 200, DIARIZED));
    const transcript = await provider({ diarizationModel: 'gpt-4o-transcribe-diarize' }).transcribe(wavInput(), {
      diarize: true,
    });
    const form = await formData(vendor.requests.at(-1)!);
    expect(form.get('model')).toBe('gpt-4o-transcribe-diarize');
    expect(form.get('response_format')).toBe('diarized_json');
    expect(form.get('chunking_strategy')).toBe('auto');
    expect(transcript.segments.map((segment) => [segment.speaker, segment.text])).toEqual([
      ['S1', 'Hello there.'],
      ['S2', 'General Kenobi.'],
    ]);
    expect(transcript.metadata.billedSeconds).toBe(3);
  });

  it('warns when diarization is asked of a model that cannot diarize', async () => {
    vendor.handle((_request, response) => json(response, 200, VERBOSE));
    const transcript = await provider().transcribe(wavInput(), { diarize: true });
    expect(transcript.warnings[0]).toMatch(/does not return speakers/);
    expect(transcript.words.every((word) => word.speaker === undefined)).toBe(true);
  });

  it.each([
    [
      429,
      error(
        'You exceeded your current quota, please check your plan and billing details.',
        'insufficient_quota',
        'insufficient_quota',
      ),
      {},
      'quota-exhausted',
      'TELLTALE_STT_QUOTA_EXHAUSTED',
    ],
    [
      429,
      error('Rate limit reached for whisper-1', 'requests', 'rate_limit_exceeded'),
      { 'retry-after': '2' },
      'rate-limited',
      'TELLTALE_STT_RATE_LIMITED',
    ],
    [
      401,
      error('Incorrect API key provided: sk-test-***.', 'invalid_request_error', 'invalid_api_key'),
      {},
      'permanent',
      'TELLTALE_STT_REJECTED',
    ],
    [400, error('Invalid file format.', 'invalid_request_error', null), {}, 'permanent', 'TELLTALE_STT_REJECTED'],
    [
      413,
      error('Maximum content size limit (26214400) exceeded', 'server_error', null),
      {},
      'unsupported',
      'TELLTALE_STT_UNSUPPORTED_AUDIO',
    ],
    [503, error('The server is overloaded', 'server_error', null), {}, 'retryable', 'TELLTALE_STT_UNAVAILABLE'],
  ])('classifies HTTP %i errors', async (status, body, headers, kind, code) => {
    vendor.handle((_request, response) => json(response, status, body, { 'x-request-id': 'req_err', ...headers }));
    const failure = (await provider()
      .transcribe(wavInput())
      .catch((caught: unknown) => caught)) as SttProviderError;
    expect(isSttProviderError(failure)).toBe(true);
    expect(failure.kind).toBe(kind);
    expect(failure.code).toBe(code);
    expect(failure.status).toBe(status);
    expect(failure.requestId).toBe('req_err');
    expect(failure.message).not.toContain('sk-test-secret');
    if (kind === 'rate-limited') expect(failure.retryAfterMs).toBe(2000);
    if (kind === 'quota-exhausted') expect(failure.providerCode).toBe('insufficient_quota');
  });

  it('rejects malformed responses with a clear retryable error', async () => {
    vendor.handle((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>gateway</html>');
    });
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({
      kind: 'retryable',
      message: /malformed response: body is not JSON/,
    });
    vendor.handle((_request, response) => json(response, 200, { words: 'nope', text: 'x' }));
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({ message: /words is not an array/ });
    vendor.handle((_request, response) => json(response, 200, { task: 'transcribe' }));
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({ message: /text is missing/ });
  });

  it('refuses audio over 25 MB before sending anything', async () => {
    const before = vendor.requests.length;
    const big = { data: new Uint8Array(25 * 1024 * 1024 + 1), mediaType: 'audio/mpeg' };
    await expect(provider().transcribe(big)).rejects.toMatchObject({
      kind: 'unsupported',
      providerCode: 'file_too_large',
    });
    expect(vendor.requests.length).toBe(before);
  });

  it('times out a hanging server as an attempt timeout', async () => {
    vendor.handle(hang);
    await expectAttemptTimeout(provider());
  });

  it('aborts a hanging request through the signal', async () => {
    vendor.handle(hang);
    const controller = new AbortController();
    const pending = provider().transcribe(wavInput(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
  });

  it('classifies refused connections as retryable', async () => {
    const refused = openaiProvider({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1' });
    await expect(refused.transcribe(wavInput())).rejects.toMatchObject({
      kind: 'retryable',
      providerCode: 'network_error',
    });
  });

  it('validates options at construction', () => {
    expect(() => openaiProvider({ apiKey: '' })).toThrow(TelltaleConfigError);
    expect(() => openaiProvider({ apiKey: 'k', baseUrl: 'not a url' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/openai.baseUrl/) }),
    );
  });
});
