import type { TranscriptWord } from './types.js';

/** Who spoke when: one speaker turn, times in seconds. */
export interface SpeakerTurn {
  start: number;
  end: number;
  speaker: string;
}

/** Options of {@link assignSpeakers}. */
export interface AssignSpeakersOptions {
  /** Give words that overlap no turn the speaker of the nearest turn (default `false`). */
  fillNearest?: boolean;
}

/**
 * Gives each word the speaker whose turns overlap it most (summed per speaker), as WhisperX's
 * `assign_word_speakers` does. Words overlapping no turn keep no speaker unless `fillNearest`.
 * Returns new word objects; labels are the turns' own.
 *
 * @example
 * ```ts
 * import { assignSpeakers } from '@telltale/stt';
 * assignSpeakers([{ text: 'hi', start: 0.1, end: 0.4 }], [{ start: 0, end: 1, speaker: 'A' }]);
 * // [{ text: 'hi', start: 0.1, end: 0.4, speaker: 'A' }]
 * ```
 */
export function assignSpeakers(
  words: readonly TranscriptWord[],
  turns: readonly SpeakerTurn[],
  options: AssignSpeakersOptions = {},
): TranscriptWord[] {
  const sorted = [...turns].sort((a, b) => a.start - b.start);
  return words.map((word) => {
    const overlap = new Map<string, number>();
    for (const turn of sorted) {
      if (turn.start > word.end) break;
      const amount = Math.min(word.end, turn.end) - Math.max(word.start, turn.start);
      // Zero-length words still belong to the turn containing them.
      if (
        amount > 0 ||
        (amount === 0 && word.start === word.end && turn.start <= word.start && word.start <= turn.end)
      ) {
        overlap.set(turn.speaker, (overlap.get(turn.speaker) ?? 0) + amount);
      }
    }
    let speaker: string | undefined;
    let best = -1;
    for (const [candidate, amount] of overlap) {
      if (amount > best) [speaker, best] = [candidate, amount];
    }
    if (speaker === undefined && options.fillNearest && sorted.length > 0) {
      const middle = (word.start + word.end) / 2;
      let nearest = Infinity;
      for (const turn of sorted) {
        const distance = middle < turn.start ? turn.start - middle : middle > turn.end ? middle - turn.end : 0;
        if (distance < nearest) [speaker, nearest] = [turn.speaker, distance];
      }
    }
    const copy: TranscriptWord = { ...word };
    delete copy.speaker;
    if (speaker !== undefined) copy.speaker = speaker;
    return copy;
  });
}
