import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepgramProvider, type SttProviderError } from '@telltale/stt';
import { hang, json, startVendor, type FakeVendor } from './support/server.js';
import { wavInput } from './support/audio.js';
import { expectAttemptTimeout } from './support/hang.js';

// Deepgram pre-recorded response (metadata + results.channels[].alternatives[] + utterances)
// and error body ({ err_code, err_msg, request_id }) as documented.
const word = (text: string, start: number, end: number, speaker: number) => ({
  word: text.toLowerCase().replace(/[.,]/g, ''),
  punctuated_word: text,
  start,
  end,
  confidence: 0.98,
  speaker,
  speaker_confidence: 0.7,
});
const RESPONSE = {
  metadata: {
    transaction_key: 'deprecated',
    request_id: 'dg-req-1',
    sha256: 'abc',
    created: '2026-11-23T02:00:00.000Z',
    duration: 3.2,
    channels: 1,
    models: ['m'],
  },
  results: {
    channels: [
      {
        alternatives: [
          {
            transcript: 'Hello there. General Kenobi.',
            confidence: 0.99,
            words: [
              word('Hello', 0.1, 0.4, 1),
              word('there.', 0.45, 0.9, 1),
              word('General', 1.2, 1.7, 0),
              word('Kenobi.', 1.75, 2.4, 0),
            ],
          },
        ],
        detected_language: 'en',
      },
    ],
    utterances: [
      {
        start: 0.1,
        end: 0.9,
        confidence: 0.98,
        channel: 0,
        transcript: 'Hello there.',
        words: [],
        speaker: 1,
        id: 'u1',
      },
      {
        start: 1.2,
        end: 2.4,
        confidence: 0.98,
        channel: 0,
        transcript: 'General Kenobi.',
        words: [],
        speaker: 0,
        id: 'u2',
      },
    ],
  },
};

describe('deepgramProvider', () => {
  let vendor: FakeVendor;
  beforeAll(async () => {
    vendor = await startVendor((_request, response) => json(response, 200, RESPONSE, { 'dg-request-id': 'dg-req-1' }));
  });
  afterAll(() => vendor.close());
  const provider = () => deepgramProvider({ apiKey: 'dg-secret', baseUrl: vendor.url });

  it('posts the audio with Token auth and the diarize/utterances/smart_format/punctuate parameters', async () => {
    const input = wavInput(1);
    const transcript = await provider().transcribe(input, { diarize: true, language: 'en' });
    const request = vendor.requests.at(-1)!;
    expect(request.url.pathname).toBe('/v1/listen');
    expect(Object.fromEntries(request.url.searchParams)).toMatchObject({
      model: 'nova-3',
      diarize: 'true',
      utterances: 'true',
      smart_format: 'true',
      punctuate: 'true',
      language: 'en',
    });
    expect(request.headers.authorization).toBe('Token dg-secret');
    expect(request.headers['content-type']).toBe('audio/wav');
    expect(request.body.equals(Buffer.from(input.data))).toBe(true);
    // Deepgram's speaker 1 speaks first: it becomes S1.
    expect(transcript.words.map((w) => [w.text, w.speaker])).toEqual([
      ['Hello', 'S1'],
      ['there.', 'S1'],
      ['General', 'S2'],
      ['Kenobi.', 'S2'],
    ]);
    expect(transcript.segments).toEqual([
      { text: 'Hello there.', start: 0.1, end: 0.9, speaker: 'S1' },
      { text: 'General Kenobi.', start: 1.2, end: 2.4, speaker: 'S2' },
    ]);
    expect(transcript).toMatchObject({ text: 'Hello there. General Kenobi.', language: 'en', durationSeconds: 3.2 });
    expect(transcript.metadata).toEqual({ model: 'nova-3', requestId: 'dg-req-1', billedSeconds: 3.2 });
    expect(transcript.words[0]!.confidence).toBe(0.98);
  });

  it('leaves speakers out when diarization was not asked', async () => {
    const transcript = await provider().transcribe(wavInput(1));
    expect(vendor.requests.at(-1)!.url.searchParams.get('diarize')).toBe('false');
    expect(vendor.requests.at(-1)!.url.searchParams.get('detect_language')).toBe('true');
    expect(transcript.words.every((w) => w.speaker === undefined)).toBe(true);
  });

  it.each([
    [
      402,
      {
        err_code: 'ASR_PAYMENT_REQUIRED',
        err_msg: 'Project does not have enough credits for an ASR request',
        request_id: 'r',
      },
      'quota-exhausted',
    ],
    [
      429,
      { err_code: 'TOO_MANY_REQUESTS', err_msg: 'Too many requests. Please try again later', request_id: 'r' },
      'rate-limited',
    ],
    [401, { err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.', request_id: 'r' }, 'permanent'],
    [
      400,
      {
        err_code: 'Bad Request',
        err_msg: 'Bad Request: failed to process audio: corrupt or unsupported data',
        request_id: 'r',
      },
      'permanent',
    ],
    [502, { err_code: 'Bad Gateway', err_msg: 'upstream', request_id: 'r' }, 'retryable'],
  ])('classifies %i', async (status, body, kind) => {
    vendor.handle((_request, response) =>
      json(response, status, body, { 'dg-request-id': 'dg-err', 'retry-after': '1' }),
    );
    const failure = (await provider()
      .transcribe(wavInput())
      .catch((caught: unknown) => caught)) as SttProviderError;
    expect(failure.kind).toBe(kind);
    expect(failure.providerCode).toBe(body.err_code);
    expect(failure.requestId).toBe('dg-err');
    expect(failure.message).toContain(body.err_msg);
    if (kind === 'rate-limited') expect(failure.retryAfterMs).toBe(1000);
  });

  it('rejects malformed bodies without crashing', async () => {
    vendor.handle((_request, response) => json(response, 200, { metadata: {}, results: { channels: [] } }));
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({
      kind: 'retryable',
      message: /results.channels is empty/,
    });
    vendor.handle((_request, response) => json(response, 200, { metadata: {} }));
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({ message: /results is not an object/ });
    vendor.handle((_request, response) =>
      json(response, 200, { results: { channels: [{ alternatives: [{ transcript: 'a', words: [{ word: 'a' }] }] }] } }),
    );
    await expect(provider().transcribe(wavInput())).rejects.toMatchObject({
      message: /words\[0\] lacks a text, start or end/,
    });
  });

  it('treats silence (empty transcript) as a valid result', async () => {
    vendor.handle((_request, response) =>
      json(response, 200, {
        metadata: { request_id: 'x', duration: 1 },
        results: { channels: [{ alternatives: [{ transcript: '', confidence: 0, words: [] }] }], utterances: [] },
      }),
    );
    const transcript = await provider().transcribe(wavInput());
    expect(transcript).toMatchObject({ text: '', words: [], segments: [] });
  });

  it('times out a hanging server as an attempt timeout', async () => {
    vendor.handle(hang);
    await expectAttemptTimeout(provider());
  });

  it('is abortable while the server hangs', async () => {
    vendor.handle(hang);
    await expect(provider().transcribe(wavInput(), { signal: AbortSignal.timeout(40) })).rejects.toMatchObject({
      code: 'TELLTALE_ABORTED',
    });
  });
});
