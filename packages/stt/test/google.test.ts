import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { googleSpeechProvider, parseProtoDuration, silentWav, type SttProviderError } from '@telltale/stt';
import { hang, json, startVendor, type FakeVendor } from './support/server.js';
import { wavInput } from './support/audio.js';
import { expectAttemptTimeout } from './support/hang.js';

// Google Speech-to-Text v1 shapes: RecognizeResponse (results[].alternatives[].words[] with
// "1.500s" offsets), diarization's final result that repeats every word with speakerTag,
// long-running Operations, and the google.rpc.Status error body.
const gword = (word: string, start: string, end: string, speakerTag?: number) => ({
  startTime: start,
  endTime: end,
  word,
  confidence: 0.9,
  ...(speakerTag === undefined ? {} : { speakerTag }),
});
const DIARIZED = {
  results: [
    {
      alternatives: [
        {
          transcript: 'hello there',
          confidence: 0.92,
          words: [gword('hello', '0.100s', '0.400s'), gword('there', '0.400s', '0.900s')],
        },
      ],
      resultEndTime: '1s',
      languageCode: 'en-us',
    },
    {
      alternatives: [
        {
          transcript: 'general kenobi',
          confidence: 0.9,
          words: [gword('general', '1.200s', '1.700s'), gword('kenobi', '1.700s', '2.400s')],
        },
      ],
      resultEndTime: '2.5s',
      languageCode: 'en-us',
    },
    {
      alternatives: [
        {
          words: [
            gword('hello', '0.100s', '0.400s', 2),
            gword('there', '0.400s', '0.900s', 2),
            gword('general', '1.200s', '1.700s', 1),
            gword('kenobi', '1.700s', '2.400s', 1),
          ],
        },
      ],
      resultEndTime: '2.5s',
      languageCode: 'en-us',
    },
  ],
  totalBilledTime: '15s',
  requestId: '7312457846356842',
};
const rpcError = (code: number, status: string, message: string, reason?: string) => ({
  error: {
    code,
    message,
    status,
    ...(reason
      ? { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' }] }
      : {}),
  },
});

describe('googleSpeechProvider', () => {
  let vendor: FakeVendor;
  beforeAll(async () => {
    vendor = await startVendor((_request, response) => json(response, 200, DIARIZED));
  });
  afterAll(() => vendor.close());
  const provider = (options: Partial<Parameters<typeof googleSpeechProvider>[0]> = {}) =>
    googleSpeechProvider({ apiKey: 'g-secret', baseUrl: vendor.url, pollInterval: '10ms', ...options });

  it('sends base64 content to speech:recognize and reads speakers from the final result only', async () => {
    const input = wavInput(2.5);
    const transcript = await provider().transcribe(input, { diarize: true, language: 'en-US' });
    const request = vendor.requests.at(-1)!;
    expect(request.url.pathname).toBe('/v1/speech:recognize');
    expect(request.headers['x-goog-api-key']).toBe('g-secret');
    const body = JSON.parse(request.body.toString());
    expect(body.audio.content).toBe(Buffer.from(input.data).toString('base64'));
    expect(body.config).toMatchObject({
      languageCode: 'en-US',
      enableWordTimeOffsets: true,
      diarizationConfig: { enableSpeakerDiarization: true },
    });
    // Four words, not eight: the final result repeats them all with speaker tags.
    expect(transcript.words.map((w) => [w.text, w.start, w.end, w.speaker])).toEqual([
      ['hello', 0.1, 0.4, 'S1'],
      ['there', 0.4, 0.9, 'S1'],
      ['general', 1.2, 1.7, 'S2'],
      ['kenobi', 1.7, 2.4, 'S2'],
    ]);
    expect(transcript.text).toBe('hello there general kenobi');
    expect(transcript.metadata).toEqual({ requestId: '7312457846356842', billedSeconds: 15 });
    expect(transcript.language).toBe('en-us');
  });

  it('concatenates every result without diarization', async () => {
    vendor.handle((_request, response) => json(response, 200, { ...DIARIZED, results: DIARIZED.results.slice(0, 2) }));
    const transcript = await provider().transcribe(wavInput(2.5));
    expect(transcript.words.map((w) => w.text)).toEqual(['hello', 'there', 'general', 'kenobi']);
    expect(transcript.text).toBe('hello there general kenobi');
    expect(JSON.parse(vendor.requests.at(-1)!.body.toString()).config.diarizationConfig).toBeUndefined();
  });

  it('uses longrunningrecognize and polls the operation for long audio', async () => {
    let polls = 0;
    vendor.handle((request, response) => {
      if (request.url.pathname === '/v1/speech:longrunningrecognize') return json(response, 200, { name: '4242' });
      if (request.url.pathname === '/v1/operations/4242') {
        polls++;
        if (polls < 3) return json(response, 200, { name: '4242', metadata: { progressPercent: polls * 30 } });
        return json(response, 200, {
          name: '4242',
          done: true,
          response: { '@type': 'type.googleapis.com/google.cloud.speech.v1.LongRunningRecognizeResponse', ...DIARIZED },
        });
      }
      return json(response, 404, rpcError(5, 'NOT_FOUND', 'nope'));
    });
    const transcript = await provider({ longRunningAfter: '1s' }).transcribe(wavInput(2), { diarize: true });
    expect(polls).toBe(3);
    expect(transcript.words).toHaveLength(4);
    expect(transcript.metadata.requestId).toBe('7312457846356842');
  });

  it('reports a failed operation with its rpc code', async () => {
    vendor.handle((request, response) => {
      if (request.method === 'POST') return json(response, 200, { name: 'op-9' });
      return json(response, 200, {
        name: 'op-9',
        done: true,
        error: { code: 3, message: 'Invalid recognition config' },
      });
    });
    await expect(provider({ longRunningAfter: '1s' }).transcribe(wavInput(2))).rejects.toMatchObject({
      kind: 'permanent',
      providerCode: 'INVALID_ARGUMENT',
      requestId: 'op-9',
    });
  });

  it('gives up polling after operationTimeout', async () => {
    vendor.handle((request, response) =>
      json(response, 200, request.method === 'POST' ? { name: 'slow' } : { name: 'slow' }),
    );
    await expect(
      provider({ longRunningAfter: '1s', operationTimeout: '50ms' }).transcribe(wavInput(2)),
    ).rejects.toMatchObject({
      kind: 'retryable',
      providerCode: 'DEADLINE_EXCEEDED',
    });
  });

  it.each([
    [
      429,
      rpcError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric requests per minute', 'RATE_LIMIT_EXCEEDED'),
      'rate-limited',
    ],
    [
      403,
      rpcError(403, 'PERMISSION_DENIED', 'This API method requires billing to be enabled', 'BILLING_DISABLED'),
      'quota-exhausted',
    ],
    [
      400,
      rpcError(400, 'INVALID_ARGUMENT', 'Sync input too long. For audio longer than 1 min use LongRunningRecognize'),
      'permanent',
    ],
    [401, rpcError(401, 'UNAUTHENTICATED', 'API key not valid'), 'permanent'],
    [503, rpcError(503, 'UNAVAILABLE', 'The service is currently unavailable.'), 'retryable'],
  ])('classifies %i by rpc status', async (status, body, kind) => {
    vendor.handle((_request, response) => json(response, status, body));
    const failure = (await provider()
      .transcribe(wavInput())
      .catch((caught: unknown) => caught)) as SttProviderError;
    expect(failure.kind).toBe(kind);
    expect(failure.providerCode).toBe(body.error.status);
  });

  it('rejects malformed bodies and audio over the inline limit', async () => {
    vendor.handle((_request, response) =>
      json(response, 200, {
        results: [{ alternatives: [{ transcript: 'x', words: [{ word: 'x', startTime: 'soon' }] }] }],
      }),
    );
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({ message: /lacks a text, start or end/ });
    vendor.handle((_request, response) => json(response, 200, { results: {} }));
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({ message: /results is not an array/ });
    const before = vendor.requests.length;
    await expect(provider().transcribe({ data: silentWav(400), mediaType: 'audio/wav' })).rejects.toMatchObject({
      kind: 'unsupported',
    });
    expect(vendor.requests.length).toBe(before);
  });

  it('returns an empty transcript for silence (no results)', async () => {
    vendor.handle((_request, response) => json(response, 200, { totalBilledTime: '1s', requestId: '1' }));
    await expect(provider().transcribe(wavInput())).resolves.toMatchObject({
      text: '',
      words: [],
      metadata: { billedSeconds: 1 },
    });
  });

  it('times out a hanging server as an attempt timeout', async () => {
    vendor.handle(hang);
    await expectAttemptTimeout(provider());
  });

  it('parses protobuf durations', () => {
    expect(parseProtoDuration('1.500s')).toBe(1.5);
    expect(parseProtoDuration({ seconds: '2', nanos: 500_000_000 })).toBe(2.5);
    expect(parseProtoDuration('later')).toBeUndefined();
  });
});
