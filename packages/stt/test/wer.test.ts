import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { combineWordErrors, normalizeText, numberToWords, wordErrorRate } from '@telltale/stt';
import { missingPeer } from '../../../test-support/peers.js';

describe('wordErrorRate', () => {
  it('counts substitutions, deletions and insertions with the alignment', () => {
    const result = wordErrorRate('the cat sat on the mat', 'the cat sat on a mat there');
    expect(result).toMatchObject({
      substitutions: 1,
      deletions: 0,
      insertions: 1,
      hits: 5,
      referenceWords: 6,
      hypothesisWords: 7,
    });
    expect(result.wer).toBeCloseTo(2 / 6);
    expect(result.alignment.filter((step) => step.type !== 'match')).toEqual([
      { type: 'substitution', reference: 'the', hypothesis: 'a' },
      { type: 'insertion', hypothesis: 'there' },
    ]);
  });

  it('handles empty sides', () => {
    expect(wordErrorRate('', '').wer).toBe(0);
    expect(wordErrorRate('', 'noise').wer).toBe(1);
    expect(wordErrorRate('two words', '')).toMatchObject({ wer: 1, deletions: 2 });
  });

  it('normalises both sides by default, and can be told not to', () => {
    expect(wordErrorRate("Um, it's 10% off. Don't wait!", 'it is ten percent off do not wait').wer).toBe(0);
    expect(wordErrorRate('Hello, World', 'hello world', { normalize: false }).substitutions).toBe(2);
    expect(wordErrorRate('Hello World', 'hello world', { normalize: { punctuation: false } }).wer).toBe(0);
    expect(wordErrorRate('A', 'b', { normalize: (text) => text.toLowerCase().replace('b', 'a') }).wer).toBe(0);
  });

  it('can use unit (Levenshtein) costs', () => {
    // sclite costs: deletion + insertion (6) beat two substitutions (8); unit costs tie at 2 errors.
    expect(wordErrorRate('a b', 'b c', { normalize: false })).toMatchObject({
      deletions: 1,
      insertions: 1,
      substitutions: 0,
    });
    expect(
      wordErrorRate('a b', 'b c', { normalize: false, costs: { substitution: 1, insertion: 1, deletion: 1 } }).wer,
    ).toBe(1);
  });

  it('combines files into a corpus rate (total errors / total words)', () => {
    const total = combineWordErrors([wordErrorRate('a b', 'a'), wordErrorRate('c d e f', 'c d e f')]);
    expect(total).toMatchObject({ wer: 1 / 6, deletions: 1, referenceWords: 6 });
  });
});

describe('normalizeText', () => {
  it.each([
    ["I'm sure you'll see we've won't can't", 'i am sure you will see we have will not can not'],
    ["John's car; it's here", "john's car it is here"],
    [
      'Call 911 at 3.5 past, pay $1,250',
      'call nine hundred eleven at three point five past pay one thousand two hundred fifty dollars',
    ],
    ['uh hmm well mm okay', 'well okay'],
    ['  “Quoted” — text…  ', 'quoted text'],
    ['007', 'zero zero seven'],
  ])('%s', (input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });

  it('spells numbers', () => {
    expect(numberToWords(0)).toBe('zero');
    expect(numberToWords(2_000_017)).toBe('two million seventeen');
    expect(numberToWords(999_999_999_999)).toMatch(/^nine hundred ninety nine billion/);
  });
});

const missingSclite = missingPeer('sctk');

/** Deterministic pseudo-random edits of sentences from a small vocabulary. */
function corpus(count: number): { reference: string; hypothesis: string }[] {
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const vocabulary = 'the a cat dog sat ran on under mat hat big small red blue and then we they go stop'.split(' ');
  const pick = (): string => vocabulary[Math.floor(random() * vocabulary.length)]!;
  return Array.from({ length: count }, () => {
    const reference = Array.from({ length: 3 + Math.floor(random() * 12) }, pick);
    const hypothesis: string[] = [];
    for (const word of reference) {
      const roll = random();
      if (roll < 0.1) continue; // deletion
      if (roll < 0.25)
        hypothesis.push(pick()); // substitution (or a lucky hit)
      else hypothesis.push(word);
      if (random() < 0.1) hypothesis.push(pick()); // insertion
    }
    return { reference: reference.join(' '), hypothesis: hypothesis.join(' ') };
  });
}

describe.skipIf(missingSclite)('agreement with NIST sclite (sctk)', () => {
  it('gives the same C/S/D/I per utterance and in total on the same trn files', () => {
    const pairs = [
      ...corpus(40),
      { reference: 'hello world this is a test', hypothesis: 'hello word is a test test test' },
      {
        reference: 'i would like to order a pizza we need to talk about the project budget',
        hypothesis: 'i would like to order a pizza we need to talk turned out to the project got to',
      },
      { reference: 'short', hypothesis: '' },
    ];
    const directory = mkdtempSync(join(tmpdir(), 'telltale-sclite-'));
    try {
      const id = (index: number): string => `(spk_${String(index).padStart(3, '0')})`;
      writeFileSync(
        join(directory, 'ref.trn'),
        pairs.map((pair, index) => `${pair.reference} ${id(index)}\n`).join(''),
      );
      writeFileSync(
        join(directory, 'hyp.trn'),
        pairs.map((pair, index) => `${pair.hypothesis} ${id(index)}\n`).join(''),
      );
      const output = execFileSync(
        'sctk',
        ['sclite', '-r', 'ref.trn', 'trn', '-h', 'hyp.trn', 'trn', '-i', 'rm', '-o', 'pra', 'stdout'],
        {
          cwd: directory,
          encoding: 'utf8',
        },
      );
      const scores = [...output.matchAll(/Scores: \(#C #S #D #I\) (\d+) (\d+) (\d+) (\d+)/g)].map((match) =>
        match.slice(1, 5).map(Number),
      );
      expect(scores).toHaveLength(pairs.length);
      const ours = pairs.map((pair) => wordErrorRate(pair.reference, pair.hypothesis, { normalize: false }));
      expect(ours.map((result) => [result.hits, result.substitutions, result.deletions, result.insertions])).toEqual(
        scores,
      );
      const summary = execFileSync(
        'sctk',
        ['sclite', '-r', 'ref.trn', 'trn', '-h', 'hyp.trn', 'trn', '-i', 'rm', '-o', 'sum', 'stdout'],
        {
          cwd: directory,
          encoding: 'utf8',
        },
      );
      const total = /Sum\/Avg\|\s+\d+\s+(\d+)\s+\|\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)/.exec(summary);
      const combined = combineWordErrors(ours);
      expect(combined.referenceWords).toBe(Number(total![1]));
      expect((combined.wer * 100).toFixed(1)).toBe(Number(total![2]).toFixed(1));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
