export type {
  AudioInput,
  TranscribeOptions,
  TranscriptWord,
  TranscriptSegment,
  ProviderMetadata,
  Transcript,
  SttProvider,
  AttemptReport,
} from './types.js';
export { SttProviderError, isSttProviderError, errorKind } from './errors.js';
export type { SttErrorKind, SttErrorDetails } from './errors.js';
export { readWavFormat, silentWav, sniffMediaType } from './audio.js';
export type { WavFormat } from './audio.js';
export { buildTranscript, normalizeSpeakers, segmentsFromWords, joinWords } from './transcript.js';
export type { RawTranscript } from './transcript.js';
export { parseRetryAfter } from './http.js';
export type { FetchFunction, HttpProviderOptions } from './http.js';
export { openaiProvider, OPENAI_MAX_BYTES } from './providers/openai.js';
export type { OpenAiProviderOptions } from './providers/openai.js';
export { deepgramProvider, DEEPGRAM_MAX_BYTES } from './providers/deepgram.js';
export type { DeepgramProviderOptions } from './providers/deepgram.js';
export { googleSpeechProvider, parseProtoDuration, GOOGLE_LIMITS } from './providers/google.js';
export type { GoogleSpeechProviderOptions } from './providers/google.js';
export { assemblyAiProvider, ASSEMBLYAI_LIMITS } from './providers/assemblyai.js';
export type { AssemblyAiProviderOptions } from './providers/assemblyai.js';
export { pocketsphinxProvider, parsePocketsphinxOutput, DEBIAN_MODEL_DIRECTORY } from './providers/pocketsphinx.js';
export type { PocketsphinxProviderOptions, PocketsphinxWord } from './providers/pocketsphinx.js';
export { createFallbackTranscriber } from './fallback.js';
export type {
  FallbackTranscriber,
  FallbackTranscriberOptions,
  FallbackBreakerOptions,
  FallbackRetryOptions,
  FallbackProbeOptions,
  ProviderStateChange,
} from './fallback.js';
export { assignSpeakers } from './assign-speakers.js';
export type { SpeakerTurn, AssignSpeakersOptions } from './assign-speakers.js';
export { mergeTurns, smoothSpeakerIslands, relabelSentences, applyDiarization } from './diarization.js';
export type { MergeTurnsOptions, SmoothIslandsOptions, ApplyDiarizationOptions } from './diarization.js';
export { parseRttm, toRttm } from './rttm.js';
export type { RttmTurn } from './rttm.js';
export { normalizeText, numberToWords } from './normalize-text.js';
export type { NormalizeTextOptions } from './normalize-text.js';
export { wordErrorRate, combineWordErrors } from './wer.js';
export type { WordErrorResult, WordErrorRateOptions, AlignmentStep } from './wer.js';
export { compareProviders, formatComparison, loadDataset, percentile } from './compare.js';
export type { DatasetItem, ProviderComparison, ItemComparison, CompareOptions, ComparisonReport } from './compare.js';
export { runCli } from './cli.js';
export type { CliIo } from './cli.js';
export { STT_DURATION_BUCKETS } from './telemetry.js';
