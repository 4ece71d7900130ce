import { assignSpeakers } from './assign-speakers.js';
import type { ProviderMetadata, Transcript, TranscriptSegment, TranscriptWord } from './types.js';

/** Provider output before normalisation: raw speaker labels of any type. */
export interface RawTranscript {
  text?: string;
  language?: string | undefined;
  durationSeconds?: number | undefined;
  words: (Omit<TranscriptWord, 'speaker'> & { speaker?: string | number | undefined })[];
  segments?: (Omit<TranscriptSegment, 'speaker'> & { speaker?: string | number | undefined })[];
  warnings?: string[];
  metadata?: ProviderMetadata;
}

const round = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/**
 * Relabels speakers to `S1`, `S2`, ... in order of first appearance (words first, then
 * segments), so labels are comparable across providers (`0`, `A`, `spk_1`, `speaker_2`).
 *
 * @example
 * ```ts
 * import { normalizeSpeakers } from '@telltale/stt';
 * normalizeSpeakers(['B', 'A', 'B']); // ['S1', 'S2', 'S1']
 * ```
 */
export function normalizeSpeakers(labels: readonly (string | number | undefined)[]): (string | undefined)[] {
  const mapping = new Map<string, string>();
  return labels.map((label) => {
    if (label === undefined || label === null || label === '') return undefined;
    const key = String(label);
    let mapped = mapping.get(key);
    if (!mapped) {
      mapped = `S${mapping.size + 1}`;
      mapping.set(key, mapped);
    }
    return mapped;
  });
}

/**
 * Joins word texts with single spaces, without a space before punctuation tokens.
 *
 * @example
 * ```ts
 * import { joinWords } from '@telltale/stt';
 * joinWords([{ text: 'Hi' }, { text: ',' }, { text: 'you' }]); // 'Hi, you'
 * ```
 */
export function joinWords(words: readonly { text: string }[]): string {
  let text = '';
  for (const word of words) {
    if (word.text === '') continue;
    text += text === '' || /^[.,!?;:%)]/.test(word.text) ? word.text : ` ${word.text}`;
  }
  return text;
}

/**
 * Groups consecutive words of the same speaker into segments (a new segment also starts after
 * a pause longer than `maxGap` seconds).
 *
 * @example
 * ```ts
 * import { segmentsFromWords } from '@telltale/stt';
 * segmentsFromWords(transcript.words, 0.8); // [{ text, start, end, speaker }]
 * ```
 */
export function segmentsFromWords(words: readonly TranscriptWord[], maxGap = 1): TranscriptSegment[] {
  const segments: TranscriptSegment[] = [];
  let current: TranscriptWord[] = [];
  const flush = (): void => {
    if (current.length === 0) return;
    const first = current[0]!;
    const segment: TranscriptSegment = { text: joinWords(current), start: first.start, end: current.at(-1)!.end };
    if (first.speaker !== undefined) segment.speaker = first.speaker;
    segments.push(segment);
    current = [];
  };
  for (const word of words) {
    const previous = current.at(-1);
    if (previous && (previous.speaker !== word.speaker || word.start - previous.end > maxGap)) flush();
    current.push(word);
  }
  flush();
  return segments;
}

/**
 * Builds the normalised {@link Transcript}: times rounded to milliseconds, speakers relabelled
 * `S1, S2, ...` by first appearance across words and segments, segments derived from words when
 * the provider gave none, and text derived from words when it gave none.
 *
 * @example
 * ```ts
 * import { buildTranscript } from '@telltale/stt';
 * const transcript = buildTranscript('mine', { words: [{ text: 'hi', start: 0, end: 0.3, speaker: 7 }] });
 * transcript.words[0].speaker; // 'S1'
 * ```
 */
export function buildTranscript(provider: string, raw: RawTranscript): Transcript {
  const rawSegments = raw.segments ?? [];
  const labels = normalizeSpeakers([...raw.words.map((word) => word.speaker), ...rawSegments.map((s) => s.speaker)]);
  const words: TranscriptWord[] = raw.words.map((word, index) => {
    const result: TranscriptWord = { text: word.text, start: round(word.start), end: round(word.end) };
    if (word.confidence !== undefined && Number.isFinite(word.confidence)) result.confidence = word.confidence;
    const speaker = labels[index];
    if (speaker !== undefined) result.speaker = speaker;
    return result;
  });
  let segments: TranscriptSegment[] = rawSegments.map((segment, index) => {
    const result: TranscriptSegment = {
      text: segment.text.trim(),
      start: round(segment.start),
      end: round(segment.end),
    };
    const speaker = labels[raw.words.length + index];
    if (speaker !== undefined) result.speaker = speaker;
    return result;
  });
  // Speakers only on segments (OpenAI diarized_json, utterance-level APIs): carry them to the words.
  const turns = segments.filter(
    (segment): segment is TranscriptSegment & { speaker: string } => segment.speaker !== undefined,
  );
  if (turns.length > 0 && words.length > 0 && words.every((word) => word.speaker === undefined)) {
    words.splice(0, words.length, ...assignSpeakers(words, turns, { fillNearest: true }));
  }
  if (segments.length === 0 && words.length > 0) segments = segmentsFromWords(words);
  const text = (raw.text ?? joinWords(words)).trim();
  const transcript: Transcript = {
    text,
    words,
    segments,
    provider,
    warnings: [...(raw.warnings ?? [])],
    metadata: { ...raw.metadata },
  };
  if (raw.language) transcript.language = raw.language;
  if (raw.durationSeconds !== undefined && Number.isFinite(raw.durationSeconds)) {
    transcript.durationSeconds = round(raw.durationSeconds);
  }
  return transcript;
}
