import { delay, options as validate, systemClock, type Clock, type DurationInput } from '@telltale/core';
import { checkLimits, list, malformed, record, requestJson, resolveHttpOptions } from '../http.js';
import type { ErrorClassification, HttpContext, HttpProviderOptions } from '../http.js';
import { SttProviderError, type SttErrorKind } from '../errors.js';
import { loadAudio } from '../audio.js';
import { buildTranscript } from '../transcript.js';
import type { AudioInput, SttProvider, TranscribeOptions, Transcript } from '../types.js';
import { readWord, type VendorWord } from './shared.js';

/** Options of {@link googleSpeechProvider}. */
export interface GoogleSpeechProviderOptions extends HttpProviderOptions {
  /** Recognition model (`latest_long`, `phone_call`, ...); the API default when absent. */
  model?: string;
  /** Audio longer than this uses `longrunningrecognize` (default `55s`; the sync limit is 60 s). */
  longRunningAfter?: DurationInput;
  /** Wait between operation polls (default `1s`). */
  pollInterval?: DurationInput;
  /** Give up on a long-running operation after this long (default `15m`). */
  operationTimeout?: DurationInput;
  /** Speaker count hints for diarization (default 1..6). */
  minSpeakers?: number;
  maxSpeakers?: number;
  clock?: Clock;
}

/**
 * Google Speech v1 limits for inline `content`: 10 MB; sync audio ≤ 60 s; async ≤ 480 min.
 *
 * @example
 * ```ts
 * import { GOOGLE_LIMITS } from '@telltale/stt';
 * GOOGLE_LIMITS.maxBytes; // 10485760
 * ```
 */
export const GOOGLE_LIMITS = { maxBytes: 10 * 1024 * 1024, maxSeconds: 480 * 60 } as const;

const RPC_KIND: Readonly<Record<string, SttErrorKind>> = {
  INVALID_ARGUMENT: 'permanent',
  FAILED_PRECONDITION: 'permanent',
  OUT_OF_RANGE: 'unsupported',
  UNAUTHENTICATED: 'permanent',
  PERMISSION_DENIED: 'permanent',
  NOT_FOUND: 'permanent',
  RESOURCE_EXHAUSTED: 'rate-limited',
  UNAVAILABLE: 'retryable',
  DEADLINE_EXCEEDED: 'retryable',
  INTERNAL: 'retryable',
  ABORTED: 'retryable',
  UNKNOWN: 'retryable',
};
/** google.rpc.Code numbers, as found in `operation.error.code`. */
const RPC_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

function reasons(error: Record<string, unknown>): string[] {
  const details = Array.isArray(error.details) ? (error.details as unknown[]) : [];
  return details.flatMap((detail) => {
    const reason = (detail as { reason?: unknown } | null)?.reason;
    return typeof reason === 'string' ? [reason] : [];
  });
}

function classify(_status: number, body: unknown): ErrorClassification {
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) return {};
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'string') return {};
  // Billing off or the project's quota gone: waiting will not help.
  if (reasons(error as Record<string, unknown>).some((reason) => /BILLING_DISABLED|QUOTA_EXCEEDED/.test(reason))) {
    return { kind: 'quota-exhausted', providerCode: status };
  }
  const kind = RPC_KIND[status];
  return kind ? { kind, providerCode: status } : { providerCode: status };
}

/**
 * `"1.500s"` → 1.5 (protobuf Duration JSON), also accepting `{ seconds, nanos }`.
 *
 * @example
 * ```ts
 * import { parseProtoDuration } from '@telltale/stt';
 * parseProtoDuration('1.500s'); // 1.5
 * ```
 */
export function parseProtoDuration(value: unknown): number | undefined {
  if (typeof value === 'string' && /^-?\d+(\.\d+)?s$/.test(value)) return Number(value.slice(0, -1));
  if (typeof value === 'object' && value !== null) {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const whole = typeof seconds === 'string' || typeof seconds === 'number' ? Number(seconds) : 0;
    const fraction = typeof nanos === 'number' ? nanos / 1e9 : 0;
    if (Number.isFinite(whole)) return whole + fraction;
  }
  return undefined;
}

function encodingOf(mediaType: string): string | undefined {
  // WAV and FLAC carry their own header; Google reads encoding and rate from it.
  if (mediaType === 'audio/ogg') return 'OGG_OPUS';
  if (mediaType === 'audio/webm') return 'WEBM_OPUS';
  if (mediaType === 'audio/mpeg') return 'MP3';
  return undefined;
}

/**
 * Google Cloud Speech-to-Text v1: `speech:recognize` with base64 `content` for audio up to
 * `longRunningAfter`, else `speech:longrunningrecognize` and `GET /v1/operations/{name}` polling.
 * The key goes in `x-goog-api-key`. With diarization, Google repeats every word with its
 * `speakerTag` in the final result, so words and speakers come from the final result's top
 * alternative only (earlier results would double them). Errors by `error.status`:
 * `RESOURCE_EXHAUSTED` → `rate-limited` (or `quota-exhausted` with a `BILLING_DISABLED` /
 * `QUOTA_EXCEEDED` reason), `INVALID_ARGUMENT`/`UNAUTHENTICATED`/`PERMISSION_DENIED` →
 * `permanent`, `UNAVAILABLE`/`INTERNAL`/`DEADLINE_EXCEEDED` → `retryable`.
 *
 * @example
 * ```ts
 * import { googleSpeechProvider } from '@telltale/stt';
 * const google = googleSpeechProvider({ apiKey: process.env.GOOGLE_API_KEY!, model: 'latest_long' });
 * const transcript = await google.transcribe({ path: 'call.wav' }, { language: 'en-US', diarize: true });
 * ```
 */
export function googleSpeechProvider(options: GoogleSpeechProviderOptions): SttProvider {
  const resolved = resolveHttpOptions('google', options, 'https://speech.googleapis.com');
  const longRunningAfter = validate.duration('google.longRunningAfter', options.longRunningAfter, '55s') / 1000;
  const pollInterval = validate.duration('google.pollInterval', options.pollInterval, '1s');
  const operationTimeout = validate.duration('google.operationTimeout', options.operationTimeout, '15m');
  const minSpeakers = validate.positiveInteger('google.minSpeakers', options.minSpeakers, 1);
  const maxSpeakers = validate.positiveInteger('google.maxSpeakers', options.maxSpeakers, 6);
  const clock = options.clock ?? systemClock;
  const context: HttpContext = { provider: resolved.id, fetch: resolved.fetch, classify };
  const headers = { 'x-goog-api-key': resolved.apiKey, 'content-type': 'application/json' };

  async function poll(name: string, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
    const started = clock.now();
    for (;;) {
      if (clock.now() - started + pollInterval > operationTimeout) {
        throw new SttProviderError(`${resolved.id} operation ${name} did not finish within ${operationTimeout} ms`, {
          provider: resolved.id,
          kind: 'retryable',
          providerCode: 'DEADLINE_EXCEEDED',
          requestId: name,
        });
      }
      await delay(pollInterval, { signal, clock });
      const polled = await requestJson(context, `${resolved.baseUrl}/v1/operations/${encodeURIComponent(name)}`, {
        method: 'GET',
        headers,
        signal,
      });
      const operation = record(context, polled.body, 'operation');
      if (operation.done !== true) continue;
      if (operation.error !== undefined) {
        const error = record(context, operation.error, 'operation.error');
        const rpc = typeof error.code === 'number' ? RPC_NAMES[error.code] : undefined;
        const message = typeof error.message === 'string' ? error.message : 'operation failed';
        throw new SttProviderError(`${resolved.id} operation ${name} failed: ${message}`, {
          provider: resolved.id,
          kind: (rpc ? RPC_KIND[rpc] : undefined) ?? 'retryable',
          requestId: name,
          ...(rpc ? { providerCode: rpc } : {}),
        });
      }
      return record(context, operation.response, 'operation.response');
    }
  }

  async function transcribe(audio: AudioInput, request: TranscribeOptions = {}): Promise<Transcript> {
    const loaded = await loadAudio(audio);
    checkLimits(resolved.id, loaded, GOOGLE_LIMITS);
    const config: Record<string, unknown> = {
      languageCode: request.language ?? 'en-US',
      enableWordTimeOffsets: true,
      enableWordConfidence: true,
      enableAutomaticPunctuation: true,
    };
    const encoding = encodingOf(loaded.mediaType);
    if (encoding) config.encoding = encoding;
    if (options.model) config.model = options.model;
    if (request.diarize) {
      config.diarizationConfig = {
        enableSpeakerDiarization: true,
        minSpeakerCount: minSpeakers,
        maxSpeakerCount: maxSpeakers,
      };
    }
    const payload = JSON.stringify({ config, audio: { content: Buffer.from(loaded.data).toString('base64') } });
    const long = loaded.durationSeconds !== undefined && loaded.durationSeconds > longRunningAfter;
    let body: Record<string, unknown>;
    let operationName: string | undefined;
    if (long) {
      const started = await requestJson(context, `${resolved.baseUrl}/v1/speech:longrunningrecognize`, {
        method: 'POST',
        headers,
        body: payload,
        signal: request.signal,
      });
      const name = record(context, started.body, 'operation').name;
      if (typeof name !== 'string' || name === '') throw malformed(context, 'operation name is missing');
      operationName = name;
      body = await poll(name, request.signal);
    } else {
      const response = await requestJson(context, `${resolved.baseUrl}/v1/speech:recognize`, {
        method: 'POST',
        headers,
        body: payload,
        signal: request.signal,
      });
      body = record(context, response.body, 'body');
    }
    const results = list(context, body.results, 'results').map((result, index) =>
      record(context, result, `results[${index}]`),
    );
    const top = results.map((result, index) => {
      const alternatives = list(context, result.alternatives, `results[${index}].alternatives`);
      return alternatives.length === 0
        ? undefined
        : record(context, alternatives[0], `results[${index}].alternatives[0]`);
    });
    const wordsOf = (alternative: Record<string, unknown> | undefined, index: number): VendorWord[] =>
      list(context, alternative?.words, `results[${index}].words`).map((word, position) => {
        const item = record(context, word, `results[${index}].words[${position}]`);
        const start = parseProtoDuration(item.startTime ?? '0s');
        const end = parseProtoDuration(item.endTime ?? '0s');
        return readWord(context, { ...item, startTime: start, endTime: end }, `results[${index}].words[${position}]`, {
          text: ['word'],
          start: 'startTime',
          end: 'endTime',
          confidence: 'confidence',
          speaker: request.diarize ? 'speakerTag' : '',
        });
      });
    const words = request.diarize && top.length > 0 ? wordsOf(top.at(-1), top.length - 1) : top.flatMap(wordsOf);
    const transcripts = (request.diarize ? top.slice(0, -1) : top).filter((alternative) => alternative !== undefined);
    const text = transcripts
      .map((alternative) => (typeof alternative.transcript === 'string' ? alternative.transcript.trim() : ''))
      .filter((part) => part !== '')
      .join(' ');
    const billed = parseProtoDuration(body.totalBilledTime);
    const requestId = typeof body.requestId === 'string' ? body.requestId : operationName;
    const language = results.map((result) => result.languageCode).find((code) => typeof code === 'string');
    const raw = {
      // With diarization the last result only repeats words; earlier results hold the text.
      text: text === '' && words.length > 0 ? undefined : text,
      words,
      language: typeof language === 'string' ? language : request.language,
      durationSeconds: loaded.durationSeconds,
      metadata: {
        ...(requestId ? { requestId } : {}),
        ...(billed !== undefined ? { billedSeconds: billed } : {}),
        ...(options.model ? { model: options.model } : {}),
      },
    };
    if (raw.text === undefined) delete raw.text;
    return buildTranscript(resolved.id, raw);
  }

  return { id: resolved.id, transcribe };
}
