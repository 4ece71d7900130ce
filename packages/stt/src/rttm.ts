import { TelltaleError } from '@telltale/core';
import type { SpeakerTurn } from './assign-speakers.js';

/** A speaker turn read from RTTM, with its file and channel. */
export interface RttmTurn extends SpeakerTurn {
  file: string;
  channel: string;
  confidence?: number;
}

/**
 * Parses NIST RTTM (`SPEAKER <file> <channel> <start> <duration> <NA> <NA> <speaker> <conf> <NA>`),
 * the format pyannote and `md-eval` use. Only `SPEAKER` lines become turns; comments (`;;`)
 * and other types are skipped; a malformed SPEAKER line throws `TELLTALE_INVALID_INPUT`.
 *
 * @example
 * ```ts
 * import { parseRttm } from '@telltale/stt';
 * parseRttm('SPEAKER call 1 0.50 1.25 <NA> <NA> alice <NA> <NA>');
 * // [{ file: 'call', channel: '1', start: 0.5, end: 1.75, speaker: 'alice' }]
 * ```
 */
export function parseRttm(text: string): RttmTurn[] {
  const turns: RttmTurn[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'SPEAKER') return;
    const start = Number(fields[3]);
    const duration = Number(fields[4]);
    const speaker = fields[7];
    if (fields.length < 8 || !Number.isFinite(start) || !Number.isFinite(duration) || duration < 0 || !speaker) {
      throw new TelltaleError(
        'TELLTALE_INVALID_INPUT',
        `Invalid RTTM SPEAKER line ${index + 1}: ${line.slice(0, 80)}`,
        {
          details: { line: index + 1 },
        },
      );
    }
    const turn: RttmTurn = { file: fields[1]!, channel: fields[2]!, start, end: start + duration, speaker };
    const confidence = Number(fields[8]);
    if (fields[8] !== undefined && fields[8] !== '<NA>' && Number.isFinite(confidence)) turn.confidence = confidence;
    turns.push(turn);
  });
  return turns;
}

/**
 * Writes speaker turns as RTTM `SPEAKER` lines (times with 3 decimals).
 *
 * @example
 * ```ts
 * import { toRttm } from '@telltale/stt';
 * toRttm([{ start: 0, end: 1.5, speaker: 'S1' }], { file: 'call' });
 * // 'SPEAKER call 1 0.000 1.500 <NA> <NA> S1 <NA> <NA>\n'
 * ```
 */
export function toRttm(
  turns: readonly SpeakerTurn[],
  options: { file?: string; channel?: string | number } = {},
): string {
  const file = options.file ?? 'audio';
  const channel = String(options.channel ?? 1);
  return turns
    .map(
      (turn) =>
        `SPEAKER ${file} ${channel} ${turn.start.toFixed(3)} ${(turn.end - turn.start).toFixed(3)} <NA> <NA> ${turn.speaker} <NA> <NA>\n`,
    )
    .join('');
}
