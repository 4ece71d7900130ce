import { checkLimits, list, malformed, numberOr, record, requestJson, resolveHttpOptions } from '../http.js';
import type { ErrorClassification, HttpContext, HttpProviderOptions } from '../http.js';
import { loadAudio } from '../audio.js';
import { buildTranscript } from '../transcript.js';
import type { AudioInput, SttProvider, TranscribeOptions, Transcript } from '../types.js';
import { blobOf, readWord } from './shared.js';

/** Options of {@link deepgramProvider}. */
export interface DeepgramProviderOptions extends HttpProviderOptions {
  /** Deepgram model (default `nova-3`). */
  model?: string;
  /** Extra query parameters (e.g. `{ keyterm: 'Telltale' }`). */
  query?: Record<string, string>;
}

/**
 * Deepgram's documented pre-recorded upload limit: 2 GB.
 *
 * @example
 * ```ts
 * import { DEEPGRAM_MAX_BYTES } from '@telltale/stt';
 * if (bytes.byteLength > DEEPGRAM_MAX_BYTES) console.warn('too large for Deepgram');
 * ```
 */
export const DEEPGRAM_MAX_BYTES = 2 * 1024 * 1024 * 1024;

function classify(status: number, body: unknown): ErrorClassification {
  const code = (body as { err_code?: unknown } | null)?.err_code;
  const providerCode = typeof code === 'string' ? code : undefined;
  if (status === 402) return { kind: 'quota-exhausted', ...(providerCode ? { providerCode } : {}) };
  return providerCode ? { providerCode } : {};
}

/**
 * Deepgram's pre-recorded `POST /v1/listen` with the audio as the body,
 * `Authorization: Token <key>` and `smart_format`, `punctuate`, `utterances` and (on request)
 * `diarize`. Speakers come from word `speaker` indices; segments from `utterances`. Errors: 402
 * → `quota-exhausted`, 429 → `rate-limited`, 400/401/403 → `permanent`, 5xx → `retryable`.
 *
 * @example
 * ```ts
 * import { deepgramProvider } from '@telltale/stt';
 * const deepgram = deepgramProvider({ apiKey: process.env.DEEPGRAM_API_KEY! });
 * const transcript = await deepgram.transcribe({ path: 'call.wav' }, { diarize: true });
 * ```
 */
export function deepgramProvider(options: DeepgramProviderOptions): SttProvider {
  const resolved = resolveHttpOptions('deepgram', options, 'https://api.deepgram.com');
  const model = options.model ?? 'nova-3';
  const context: HttpContext = {
    provider: resolved.id,
    fetch: resolved.fetch,
    requestIdHeader: 'dg-request-id',
    classify,
  };

  async function transcribe(audio: AudioInput, request: TranscribeOptions = {}): Promise<Transcript> {
    const loaded = await loadAudio(audio);
    checkLimits(resolved.id, loaded, { maxBytes: DEEPGRAM_MAX_BYTES });
    const query = new URLSearchParams({
      model,
      smart_format: 'true',
      punctuate: 'true',
      utterances: 'true',
      diarize: request.diarize ? 'true' : 'false',
      ...options.query,
    });
    if (request.language) query.set('language', request.language);
    else query.set('detect_language', 'true');
    const response = await requestJson(context, `${resolved.baseUrl}/v1/listen?${query.toString()}`, {
      method: 'POST',
      headers: { authorization: `Token ${resolved.apiKey}`, 'content-type': loaded.mediaType },
      body: blobOf(loaded.data, loaded.mediaType),
      signal: request.signal,
    });
    const body = record(context, response.body, 'body');
    const metadata = record(context, body.metadata ?? {}, 'metadata');
    const results = record(context, body.results, 'results');
    const channel = list(context, results.channels, 'results.channels')[0];
    if (channel === undefined) throw malformed(context, 'results.channels is empty', response.requestId);
    const channelRecord = record(context, channel, 'results.channels[0]');
    const alternative = record(
      context,
      list(context, channelRecord.alternatives, 'alternatives')[0],
      'results.channels[0].alternatives[0]',
    );
    if (typeof alternative.transcript !== 'string')
      throw malformed(context, 'transcript is missing', response.requestId);
    const words = list(context, alternative.words, 'words').map((word, index) =>
      readWord(context, word, `words[${index}]`, {
        text: ['punctuated_word', 'word'],
        start: 'start',
        end: 'end',
        confidence: 'confidence',
        speaker: request.diarize ? 'speaker' : '',
      }),
    );
    const segments = list(context, results.utterances, 'results.utterances').map((utterance, index) => {
      const item = readWord(context, utterance, `utterances[${index}]`, {
        text: ['transcript'],
        start: 'start',
        end: 'end',
        speaker: request.diarize ? 'speaker' : '',
      });
      return { text: item.text, start: item.start, end: item.end, speaker: item.speaker };
    });
    const requestId = (typeof metadata.request_id === 'string' ? metadata.request_id : undefined) ?? response.requestId;
    const duration = numberOr(metadata.duration);
    const detected = channelRecord.detected_language;
    return buildTranscript(resolved.id, {
      text: alternative.transcript,
      words,
      segments,
      language: typeof detected === 'string' ? detected : request.language,
      durationSeconds: duration ?? loaded.durationSeconds,
      metadata: {
        model,
        ...(requestId ? { requestId } : {}),
        ...(duration !== undefined ? { billedSeconds: duration } : {}),
      },
    });
  }

  return { id: resolved.id, transcribe };
}
