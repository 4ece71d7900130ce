const NON_WORDS = /^(<s>|<\/s>|<sil>|\[[A-Z_]+\]|\+\+?[A-Za-z_]+\+\+?|<unk>)$/;
const WORD_LINE = /^(\S+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)$/;

/** A word pocketsphinx printed with `-time yes`, filler tokens dropped. */
export interface PocketsphinxWord {
  text: string;
  start: number;
  end: number;
  confidence: number;
}

/**
 * Parses `pocketsphinx_continuous -time yes` output: lines of `word start end posterior`,
 * with `<s>`, `</s>`, `<sil>`, `[NOISE]`-style and `++FILLER++` tokens removed and the
 * alternate-pronunciation suffix (`read(2)`) stripped. Hypothesis lines are ignored.
 *
 * @example
 * ```ts
 * import { parsePocketsphinxOutput } from '@telltale/stt';
 * parsePocketsphinxOutput('hello\n<s> 0.000 0.100 1.0\nhello(2) 0.110 0.500 0.9\n');
 * // [{ text: 'hello', start: 0.11, end: 0.5, confidence: 0.9 }]
 * ```
 */
export function parsePocketsphinxOutput(output: string): PocketsphinxWord[] {
  const words: PocketsphinxWord[] = [];
  for (const line of output.split('\n')) {
    const match = WORD_LINE.exec(line.trim());
    if (!match) continue;
    const token = match[1]!.replace(/\(\d+\)$/, '');
    if (NON_WORDS.test(token)) continue;
    words.push({ text: token, start: Number(match[2]), end: Number(match[3]), confidence: Number(match[4]) });
  }
  return words;
}
