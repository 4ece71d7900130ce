import { checkLimits, list, malformed, numberOr, record, requestJson, resolveHttpOptions } from '../http.js';
import type { HttpContext, HttpProviderOptions } from '../http.js';
import { loadAudio } from '../audio.js';
import { buildTranscript, type RawTranscript } from '../transcript.js';
import type { AudioInput, SttProvider, TranscribeOptions, Transcript } from '../types.js';
import { blobOf, readWord } from './shared.js';

/** Options of {@link openaiProvider}. */
export interface OpenAiProviderOptions extends HttpProviderOptions {
  /** Transcription model (default `whisper-1`, the one with word timestamps). */
  model?: string;
  /**
   * Model used instead when a request asks for diarization (e.g. `gpt-4o-transcribe-diarize`).
   * Without it, diarization requests to a model that cannot diarize get a warning.
   */
  diarizationModel?: string;
  /** Sent as `OpenAI-Organization` when set. */
  organization?: string;
}

/**
 * OpenAI's documented upload limit: 25 MB.
 *
 * @example
 * ```ts
 * import { OPENAI_MAX_BYTES } from '@telltale/stt';
 * if (bytes.byteLength > OPENAI_MAX_BYTES) console.warn('too large for OpenAI');
 * ```
 */
export const OPENAI_MAX_BYTES = 25 * 1024 * 1024;

const canDiarize = (model: string): boolean => model.includes('diarize');

function classify(status: number, body: unknown): { kind?: 'quota-exhausted'; providerCode?: string } {
  const error = (body as { error?: { code?: unknown; type?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : typeof error?.type === 'string' ? error.type : undefined;
  // A 429 with insufficient_quota is not a rate limit: waiting will not help.
  if (code === 'insufficient_quota' || code === 'billing_hard_limit_reached')
    return { kind: 'quota-exhausted', providerCode: code };
  return code ? { providerCode: code } : {};
}

/**
 * OpenAI's `POST /v1/audio/transcriptions`. `whisper-1` is asked for `verbose_json` with word
 * and segment timestamps; diarization requests go to a diarizing model (`diarized_json`,
 * `chunking_strategy=auto`). Errors: 429 `insufficient_quota` → `quota-exhausted`, other 429s
 * → `rate-limited` (with `Retry-After`), 401/403/404/400 → `permanent`, 413 or audio over 25 MB
 * (checked before sending) → `unsupported`, 5xx → `retryable`.
 *
 * @example
 * ```ts
 * import { openaiProvider } from '@telltale/stt';
 * const openai = openaiProvider({ apiKey: process.env.OPENAI_API_KEY!, diarizationModel: 'gpt-4o-transcribe-diarize' });
 * const transcript = await openai.transcribe({ path: 'call.wav' }, { language: 'en' });
 * ```
 */
export function openaiProvider(options: OpenAiProviderOptions): SttProvider {
  const resolved = resolveHttpOptions('openai', options, 'https://api.openai.com');
  const model = options.model ?? 'whisper-1';
  const context: HttpContext = {
    provider: resolved.id,
    fetch: resolved.fetch,
    requestIdHeader: 'x-request-id',
    classify,
  };

  async function transcribe(audio: AudioInput, request: TranscribeOptions = {}): Promise<Transcript> {
    const loaded = await loadAudio(audio);
    checkLimits(resolved.id, loaded, { maxBytes: OPENAI_MAX_BYTES });
    const warnings: string[] = [];
    let chosen = model;
    if (request.diarize && !canDiarize(model)) {
      if (options.diarizationModel) chosen = options.diarizationModel;
      else warnings.push(`openai model ${model} does not return speakers; diarization skipped`);
    }
    const diarized = request.diarize === true && canDiarize(chosen);
    const form = new FormData();
    form.append('file', blobOf(loaded.data, loaded.mediaType), loaded.filename);
    form.append('model', chosen);
    if (request.language) form.append('language', request.language.slice(0, 2));
    if (diarized) {
      form.append('response_format', 'diarized_json');
      form.append('chunking_strategy', 'auto');
    } else if (chosen === 'whisper-1') {
      form.append('response_format', 'verbose_json');
      form.append('timestamp_granularities[]', 'word');
      form.append('timestamp_granularities[]', 'segment');
    } else {
      form.append('response_format', 'json');
      warnings.push(`openai model ${chosen} returns no word timestamps`);
    }
    const headers: Record<string, string> = { authorization: `Bearer ${resolved.apiKey}` };
    if (options.organization) headers['openai-organization'] = options.organization;
    const response = await requestJson(context, `${resolved.baseUrl}/v1/audio/transcriptions`, {
      method: 'POST',
      headers,
      body: form,
      signal: request.signal,
    });
    const body = record(context, response.body, 'body');
    if (typeof body.text !== 'string') throw malformed(context, 'text is missing', response.requestId);
    const raw: RawTranscript = {
      text: body.text,
      words: list(context, body.words, 'words').map((word, index) =>
        readWord(context, word, `words[${index}]`, { text: ['word'], start: 'start', end: 'end' }),
      ),
      segments: list(context, body.segments, 'segments').map((segment, index) => {
        const word = readWord(context, segment, `segments[${index}]`, {
          text: ['text'],
          start: 'start',
          end: 'end',
          speaker: 'speaker',
        });
        return { text: word.text, start: word.start, end: word.end, speaker: word.speaker };
      }),
      language: typeof body.language === 'string' ? body.language : request.language,
      durationSeconds: numberOr(body.duration) ?? loaded.durationSeconds,
      warnings,
      metadata: { model: chosen },
    };
    const usage = body.usage as { type?: unknown; seconds?: unknown } | undefined;
    const billed = usage?.type === 'duration' ? numberOr(usage.seconds) : numberOr(body.duration);
    if (billed !== undefined) raw.metadata!.billedSeconds = billed;
    if (response.requestId) raw.metadata!.requestId = response.requestId;
    return buildTranscript(resolved.id, raw);
  }

  return { id: resolved.id, transcribe };
}
