import { delay, options as validate, systemClock, type Clock, type DurationInput } from '@telltale/core';
import { checkLimits, list, malformed, numberOr, record, requestJson, resolveHttpOptions } from '../http.js';
import type { ErrorClassification, HttpContext, HttpProviderOptions } from '../http.js';
import { SttProviderError } from '../errors.js';
import { loadAudio } from '../audio.js';
import { buildTranscript } from '../transcript.js';
import type { AudioInput, SttProvider, TranscribeOptions, Transcript } from '../types.js';
import { blobOf, readWord } from './shared.js';

/** Options of {@link assemblyAiProvider}. */
export interface AssemblyAiProviderOptions extends HttpProviderOptions {
  /** `speech_model` sent with the job (default: the account's default). */
  speechModel?: string;
  /** Wait between status polls (default `1s`). */
  pollInterval?: DurationInput;
  /** Give up polling after this long (default `10m`): a `retryable` failure. */
  deadline?: DurationInput;
  clock?: Clock;
}

/**
 * AssemblyAI's documented limits: 2.2 GB uploads, 10 hours of audio.
 *
 * @example
 * ```ts
 * import { ASSEMBLYAI_LIMITS } from '@telltale/stt';
 * ASSEMBLYAI_LIMITS.maxSeconds; // 36000
 * ```
 */
export const ASSEMBLYAI_LIMITS = { maxBytes: 2.2e9, maxSeconds: 10 * 3600 } as const;

function classify(status: number, body: unknown): ErrorClassification {
  const message = (body as { error?: unknown } | null)?.error;
  // AssemblyAI reports an exhausted balance as a 4xx with a message, not a dedicated code.
  if (typeof message === 'string' && /balance|credit|payment|billing/i.test(message)) {
    return { kind: 'quota-exhausted', providerCode: 'insufficient_balance' };
  }
  return {};
}

/**
 * AssemblyAI: `POST /v2/upload` (raw bytes) → `POST /v2/transcript` with `speaker_labels` →
 * `GET /v2/transcript/{id}` every `pollInterval` until `completed` or `error`, bounded by
 * `deadline`. Times arrive in milliseconds and are converted to seconds. Errors: 401 →
 * `permanent`, 429 → `rate-limited`, 402 or a balance message → `quota-exhausted`, a job
 * `status: error` → `unsupported` (the audio could not be processed), deadline → `retryable`.
 *
 * @example
 * ```ts
 * import { assemblyAiProvider } from '@telltale/stt';
 * const assembly = assemblyAiProvider({ apiKey: process.env.ASSEMBLYAI_API_KEY!, deadline: '5m' });
 * const transcript = await assembly.transcribe({ path: 'call.wav' }, { diarize: true });
 * ```
 */
export function assemblyAiProvider(options: AssemblyAiProviderOptions): SttProvider {
  const resolved = resolveHttpOptions('assemblyai', options, 'https://api.assemblyai.com');
  const pollInterval = validate.duration('assemblyai.pollInterval', options.pollInterval, '1s');
  const deadline = validate.duration('assemblyai.deadline', options.deadline, '10m');
  const clock = options.clock ?? systemClock;
  const context: HttpContext = { provider: resolved.id, fetch: resolved.fetch, classify };
  const authorization = { authorization: resolved.apiKey };

  async function transcribe(audio: AudioInput, request: TranscribeOptions = {}): Promise<Transcript> {
    const loaded = await loadAudio(audio);
    checkLimits(resolved.id, loaded, ASSEMBLYAI_LIMITS);
    const signal = request.signal;
    const started = clock.now();
    const upload = await requestJson(context, `${resolved.baseUrl}/v2/upload`, {
      method: 'POST',
      headers: { ...authorization, 'content-type': 'application/octet-stream' },
      body: blobOf(loaded.data, 'application/octet-stream'),
      signal,
    });
    const uploadUrl = record(context, upload.body, 'upload body').upload_url;
    if (typeof uploadUrl !== 'string') throw malformed(context, 'upload_url is missing');
    const job: Record<string, unknown> = {
      audio_url: uploadUrl,
      speaker_labels: request.diarize === true,
      punctuate: true,
      format_text: true,
    };
    if (request.language) job.language_code = request.language;
    else job.language_detection = true;
    if (options.speechModel) job.speech_model = options.speechModel;
    const submitted = await requestJson(context, `${resolved.baseUrl}/v2/transcript`, {
      method: 'POST',
      headers: { ...authorization, 'content-type': 'application/json' },
      body: JSON.stringify(job),
      signal,
    });
    const id = record(context, submitted.body, 'transcript').id;
    if (typeof id !== 'string') throw malformed(context, 'transcript id is missing');
    let body = record(context, submitted.body, 'transcript');
    for (;;) {
      if (body.status === 'completed') break;
      if (body.status === 'error') {
        const reason = typeof body.error === 'string' ? body.error : 'unknown error';
        throw new SttProviderError(`${resolved.id} could not transcribe the audio: ${reason}`, {
          provider: resolved.id,
          kind: 'unsupported',
          providerCode: 'transcript_error',
          requestId: id,
        });
      }
      if (body.status !== 'queued' && body.status !== 'processing') {
        throw malformed(context, `unknown status ${JSON.stringify(body.status)}`, id);
      }
      if (clock.now() - started + pollInterval > deadline) {
        throw new SttProviderError(`${resolved.id} did not finish transcript ${id} within ${deadline} ms`, {
          provider: resolved.id,
          kind: 'retryable',
          providerCode: 'deadline_exceeded',
          requestId: id,
        });
      }
      await delay(pollInterval, { signal, clock });
      const polled = await requestJson(context, `${resolved.baseUrl}/v2/transcript/${encodeURIComponent(id)}`, {
        method: 'GET',
        headers: authorization,
        signal,
      });
      body = record(context, polled.body, 'transcript');
    }
    if (typeof body.text !== 'string' && body.text !== null) throw malformed(context, 'text is missing', id);
    const words = list(context, body.words, 'words').map((word, index) =>
      readWord(context, word, `words[${index}]`, {
        text: ['text'],
        start: 'start',
        end: 'end',
        confidence: 'confidence',
        speaker: 'speaker',
        scale: 0.001,
      }),
    );
    const segments = list(context, body.utterances, 'utterances').map((utterance, index) => {
      const item = readWord(context, utterance, `utterances[${index}]`, {
        text: ['text'],
        start: 'start',
        end: 'end',
        speaker: 'speaker',
        scale: 0.001,
      });
      return { text: item.text, start: item.start, end: item.end, speaker: item.speaker };
    });
    const duration = numberOr(body.audio_duration);
    return buildTranscript(resolved.id, {
      text: typeof body.text === 'string' ? body.text : '',
      words,
      segments,
      language: typeof body.language_code === 'string' ? body.language_code : request.language,
      durationSeconds: duration ?? loaded.durationSeconds,
      metadata: {
        requestId: id,
        ...(duration !== undefined ? { billedSeconds: duration } : {}),
        ...(typeof body.speech_model === 'string' ? { model: body.speech_model } : {}),
      },
    });
  }

  return { id: resolved.id, transcribe };
}
