import { normalizeText, type NormalizeTextOptions } from './normalize-text.js';

/** One step of the alignment between reference and hypothesis words. */
export interface AlignmentStep {
  type: 'match' | 'substitution' | 'deletion' | 'insertion';
  reference?: string;
  hypothesis?: string;
}

/** Word error counts and the alignment behind them. */
export interface WordErrorResult {
  /** (S + D + I) / N; 0 when both are empty, 1 when only the reference is empty. */
  wer: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Correct words. */
  hits: number;
  /** N: words in the (normalised) reference. */
  referenceWords: number;
  hypothesisWords: number;
  alignment: AlignmentStep[];
}

/** Options of {@link wordErrorRate}. */
export interface WordErrorRateOptions {
  /**
   * Normalise both texts first: `true` (default) for {@link normalizeText} with all steps, an
   * options object to choose steps, a function of your own, or `false` to split on whitespace only.
   */
  normalize?: boolean | NormalizeTextOptions | ((text: string) => string);
  /**
   * Alignment costs. The defaults are NIST sclite's (substitution 4, insertion 3, deletion 3), so
   * counts agree with `sclite`; Levenshtein's unit costs can split errors differently.
   */
  costs?: { substitution: number; insertion: number; deletion: number };
}

const SCLITE_COSTS = { substitution: 4, insertion: 3, deletion: 3 };

function tokens(text: string, normalize: WordErrorRateOptions['normalize']): string[] {
  let prepared = text;
  if (typeof normalize === 'function') prepared = normalize(text);
  else if (normalize !== false)
    prepared = normalizeText(text, normalize === true || normalize === undefined ? {} : normalize);
  return prepared.split(/\s+/).filter((word) => word !== '');
}

/**
 * Word error rate with substitution, deletion and insertion counts and the word alignment
 * (minimum-cost edit path, sclite's weights by default).
 *
 * @example
 * ```ts
 * import { wordErrorRate } from '@telltale/stt';
 * const result = wordErrorRate('the cat sat on the mat', 'the cat sat on a mat');
 * result.wer; // 1/6
 * result.substitutions; // 1
 * ```
 */
export function wordErrorRate(
  reference: string,
  hypothesis: string,
  options: WordErrorRateOptions = {},
): WordErrorResult {
  const ref = tokens(reference, options.normalize);
  const hyp = tokens(hypothesis, options.normalize);
  const costs = options.costs ?? SCLITE_COSTS;
  const rows = ref.length + 1;
  const columns = hyp.length + 1;
  const cost = new Float64Array(rows * columns);
  for (let i = 1; i < rows; i++) cost[i * columns] = i * costs.deletion;
  for (let j = 1; j < columns; j++) cost[j] = j * costs.insertion;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const diagonal = cost[(i - 1) * columns + j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : costs.substitution);
      const deletion = cost[(i - 1) * columns + j]! + costs.deletion;
      const insertion = cost[i * columns + j - 1]! + costs.insertion;
      cost[i * columns + j] = Math.min(diagonal, deletion, insertion);
    }
  }
  const alignment: AlignmentStep[] = [];
  let i = ref.length;
  let j = hyp.length;
  while (i > 0 || j > 0) {
    const here = cost[i * columns + j]!;
    if (i > 0 && j > 0) {
      const same = ref[i - 1] === hyp[j - 1];
      if (here === cost[(i - 1) * columns + j - 1]! + (same ? 0 : costs.substitution)) {
        alignment.push({ type: same ? 'match' : 'substitution', reference: ref[i - 1]!, hypothesis: hyp[j - 1]! });
        i--;
        j--;
        continue;
      }
    }
    if (i > 0 && here === cost[(i - 1) * columns + j]! + costs.deletion) {
      alignment.push({ type: 'deletion', reference: ref[i - 1]! });
      i--;
    } else {
      alignment.push({ type: 'insertion', hypothesis: hyp[j - 1]! });
      j--;
    }
  }
  alignment.reverse();
  const count = (type: AlignmentStep['type']): number => alignment.filter((step) => step.type === type).length;
  const substitutions = count('substitution');
  const deletions = count('deletion');
  const insertions = count('insertion');
  const errors = substitutions + deletions + insertions;
  return {
    wer: ref.length === 0 ? (hyp.length === 0 ? 0 : 1) : errors / ref.length,
    substitutions,
    deletions,
    insertions,
    hits: count('match'),
    referenceWords: ref.length,
    hypothesisWords: hyp.length,
    alignment,
  };
}

/**
 * Corpus-level WER: total errors over total reference words (not the mean of per-file rates),
 * as sclite's "Sum/Avg" line reports it.
 *
 * @example
 * ```ts
 * import { combineWordErrors, wordErrorRate } from '@telltale/stt';
 * const total = combineWordErrors([wordErrorRate('a b', 'a'), wordErrorRate('c d', 'c d')]);
 * total.wer; // 0.25
 * ```
 */
export function combineWordErrors(results: readonly WordErrorResult[]): Omit<WordErrorResult, 'alignment'> {
  const sum = (
    key: 'substitutions' | 'deletions' | 'insertions' | 'hits' | 'referenceWords' | 'hypothesisWords',
  ): number => results.reduce((total, result) => total + result[key], 0);
  const referenceWords = sum('referenceWords');
  const errors = sum('substitutions') + sum('deletions') + sum('insertions');
  return {
    wer: referenceWords === 0 ? (errors === 0 ? 0 : 1) : errors / referenceWords,
    substitutions: sum('substitutions'),
    deletions: sum('deletions'),
    insertions: sum('insertions'),
    hits: sum('hits'),
    referenceWords,
    hypothesisWords: sum('hypothesisWords'),
  };
}
