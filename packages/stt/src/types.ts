/** Audio to transcribe: a file on disk, or bytes in memory. */
export type AudioInput =
  | { path: string }
  | {
      data: Uint8Array;
      /** MIME type such as `audio/wav`; guessed from the bytes when absent. */
      mediaType?: string;
      /** File name sent to providers that want one (`audio.wav` by default). */
      filename?: string;
    };

/** Per-request options every provider understands. */
export interface TranscribeOptions {
  /** BCP-47 / ISO-639-1 language such as `en` or `en-US`. */
  language?: string;
  /** Ask the provider for speaker labels. */
  diarize?: boolean;
  /** Aborts the request; the promise rejects with `TELLTALE_ABORTED`. */
  signal?: AbortSignal;
  /**
   * External diarization (e.g. parsed RTTM) to put on the result: the fallback transcriber
   * assigns these speakers to the words whatever provider answered.
   */
  speakerTurns?: readonly { start: number; end: number; speaker: string }[];
}

/** How one provider fared within a fallback request. */
export interface AttemptReport {
  provider: string;
  /**
   * `success`; `failure` (see `kind`); `timeout` (attempt timeout); `skipped` (breaker open);
   * `rejected` (`isAcceptable` said no); `cancelled` (lost a hedge race or the caller aborted).
   */
  outcome: 'success' | 'failure' | 'timeout' | 'skipped' | 'rejected' | 'cancelled';
  /** The error kind for failures (`retryable`, `rate-limited`, `quota-exhausted`, ...). */
  kind?: string;
  /** Wall time of the attempt, including retries, in milliseconds. */
  latencyMs: number;
  /** Short, secret-free error message. */
  error?: string;
  /** True for the attempt started by hedging rather than failover. */
  hedged?: boolean;
}

/** One recognised word. Times are in seconds from the start of the audio. */
export interface TranscriptWord {
  text: string;
  start: number;
  end: number;
  /** 0..1 when the provider reports one. */
  confidence?: number;
  /** Normalised speaker label (`S1`, `S2`, ...). */
  speaker?: string;
}

/** A phrase, utterance or sentence. Times in seconds. */
export interface TranscriptSegment {
  text: string;
  start: number;
  end: number;
  speaker?: string;
}

/** What the provider told us about the request, for billing and support tickets. */
export interface ProviderMetadata {
  /** The provider's request / job id, when it returns one. */
  requestId?: string;
  /** Audio seconds the provider billed, when it says so. */
  billedSeconds?: number;
  /** Provider model that produced the transcript. */
  model?: string;
}

/**
 * The normalised transcript every provider returns.
 *
 * @example
 * ```ts
 * const transcript = await provider.transcribe({ path: 'call.wav' }, { diarize: true });
 * for (const segment of transcript.segments) console.log(segment.speaker, segment.text);
 * ```
 */
export interface Transcript {
  /** The full text. Empty for silence. */
  text: string;
  language?: string;
  durationSeconds?: number;
  words: TranscriptWord[];
  segments: TranscriptSegment[];
  /** Id of the provider that produced it. */
  provider: string;
  /** Non-fatal notes, e.g. "diarization not supported by whisper-1". */
  warnings: string[];
  metadata: ProviderMetadata;
  /** Set by the fallback transcriber: every provider tried for this request, in order. */
  attempts?: AttemptReport[];
}

/**
 * The speech-to-text port. Every provider, and the fallback transcriber, implements it.
 *
 * @example
 * ```ts
 * import type { SttProvider } from '@telltale/stt';
 * const echo: SttProvider = {
 *   id: 'echo',
 *   async transcribe() {
 *     return { text: '', words: [], segments: [], provider: 'echo', warnings: [], metadata: {} };
 *   },
 * };
 * ```
 */
export interface SttProvider {
  /** Stable, low-cardinality id used in reports and metrics (`openai`, `deepgram`, ...). */
  readonly id: string;
  transcribe(audio: AudioInput, options?: TranscribeOptions): Promise<Transcript>;
  /** Releases timers, sockets or child processes the provider owns. */
  close?(): Promise<void> | void;
}
