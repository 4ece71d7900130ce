import { assignSpeakers, type AssignSpeakersOptions, type SpeakerTurn } from './assign-speakers.js';
import { buildTranscript } from './transcript.js';
import type { Transcript, TranscriptWord } from './types.js';

/** Options of {@link mergeTurns}. */
export interface MergeTurnsOptions {
  /** Merge consecutive same-speaker words separated by at most this many seconds (default 1). */
  maxGap?: number;
}

/**
 * Turns speaker-labelled words into speaker turns: consecutive words of one speaker with gaps
 * of at most `maxGap` seconds become one turn. Words without a speaker are skipped.
 *
 * @example
 * ```ts
 * import { mergeTurns } from '@telltale/stt';
 * mergeTurns([{ text: 'a', start: 0, end: 1, speaker: 'S1' }, { text: 'b', start: 1.2, end: 2, speaker: 'S1' }]);
 * // [{ start: 0, end: 2, speaker: 'S1' }]
 * ```
 */
export function mergeTurns(words: readonly TranscriptWord[], options: MergeTurnsOptions = {}): SpeakerTurn[] {
  const maxGap = options.maxGap ?? 1;
  const turns: SpeakerTurn[] = [];
  for (const word of words) {
    if (word.speaker === undefined) continue;
    const last = turns.at(-1);
    if (last && last.speaker === word.speaker && word.start - last.end <= maxGap)
      last.end = Math.max(last.end, word.end);
    else turns.push({ start: word.start, end: word.end, speaker: word.speaker });
  }
  return turns;
}

/** Options of {@link smoothSpeakerIslands}. */
export interface SmoothIslandsOptions {
  /** Longest run (in words) that counts as an island (default 1). */
  maxWords?: number;
  /** Longest run (in seconds) that counts as an island (default 0.5). */
  maxDuration?: number;
}

/**
 * Relabels short speaker "islands" (a run of at most `maxWords` words lasting at most
 * `maxDuration` seconds, with the same other speaker on both sides) to the surrounding speaker:
 * diarizers often flip one word at a turn boundary or on a backchannel.
 *
 * @example
 * ```ts
 * import { smoothSpeakerIslands } from '@telltale/stt';
 * // A A B A → A A A A
 * ```
 */
export function smoothSpeakerIslands(
  words: readonly TranscriptWord[],
  options: SmoothIslandsOptions = {},
): TranscriptWord[] {
  const maxWords = options.maxWords ?? 1;
  const maxDuration = options.maxDuration ?? 0.5;
  const result = words.map((word) => ({ ...word }));
  let index = 0;
  while (index < result.length) {
    const speaker = result[index]!.speaker;
    let end = index;
    while (end + 1 < result.length && result[end + 1]!.speaker === speaker) end++;
    const before = result[index - 1]?.speaker;
    const after = result[end + 1]?.speaker;
    const length = end - index + 1;
    const duration = result[end]!.end - result[index]!.start;
    if (
      speaker !== undefined &&
      before !== undefined &&
      before === after &&
      before !== speaker &&
      length <= maxWords &&
      duration <= maxDuration
    ) {
      for (let position = index; position <= end; position++) result[position]!.speaker = before;
    }
    index = end + 1;
  }
  return result;
}

const SENTENCE_END = /[.!?…]["')\]]*$/;

/**
 * Gives every word of a sentence (ending in `.`, `!` or `?`) the speaker who spoke most of it
 * (by duration): speaker changes rarely happen mid-sentence, diarization errors often do.
 * Words after the last sentence end (or in unpunctuated text) are left as they are.
 *
 * @example
 * ```ts
 * import { relabelSentences } from '@telltale/stt';
 * // "Hello(S1) there(S2) friend.(S1)" → all S1
 * ```
 */
export function relabelSentences(words: readonly TranscriptWord[]): TranscriptWord[] {
  const result = words.map((word) => ({ ...word }));
  let start = 0;
  for (let index = 0; index < result.length; index++) {
    // Unpunctuated text (pocketsphinx, some APIs) has no sentences to vote in: leave it alone.
    if (!SENTENCE_END.test(result[index]!.text)) continue;
    const totals = new Map<string, number>();
    for (let position = start; position <= index; position++) {
      const word = result[position]!;
      if (word.speaker !== undefined) {
        totals.set(word.speaker, (totals.get(word.speaker) ?? 0) + Math.max(word.end - word.start, 0.001));
      }
    }
    let majority: string | undefined;
    let best = -1;
    for (const [speaker, total] of totals) if (total > best) [majority, best] = [speaker, total];
    if (majority !== undefined)
      for (let position = start; position <= index; position++) result[position]!.speaker = majority;
    start = index + 1;
  }
  return result;
}

/** Options of {@link applyDiarization}. */
export interface ApplyDiarizationOptions extends AssignSpeakersOptions, SmoothIslandsOptions {
  /** Smooth short islands (default `true`). */
  smooth?: boolean;
  /** Relabel by sentence majority (default `true`). */
  sentences?: boolean;
}

/**
 * Puts external diarization (e.g. pyannote RTTM) on a transcript: assigns speakers to words,
 * smooths islands, relabels by sentence, normalises labels to `S1, S2, ...` and rebuilds
 * segments from the words.
 *
 * @example
 * ```ts
 * import { applyDiarization, parseRttm } from '@telltale/stt';
 * const labelled = applyDiarization(transcript, parseRttm(rttmText), { fillNearest: true });
 * ```
 */
export function applyDiarization(
  transcript: Transcript,
  turns: readonly SpeakerTurn[],
  options: ApplyDiarizationOptions = {},
): Transcript {
  let words = assignSpeakers(transcript.words, turns, options);
  if (options.smooth !== false) words = smoothSpeakerIslands(words, options);
  if (options.sentences !== false) words = relabelSentences(words);
  const rebuilt = buildTranscript(transcript.provider, {
    text: transcript.text,
    words,
    warnings: transcript.warnings,
    metadata: transcript.metadata,
    language: transcript.language,
    durationSeconds: transcript.durationSeconds,
  });
  return transcript.attempts ? { ...rebuilt, attempts: transcript.attempts } : rebuilt;
}
