/** Which normalisations {@link normalizeText} applies (all default `true`). */
export interface NormalizeTextOptions {
  lowercase?: boolean;
  /** Strip punctuation (apostrophes inside words stay). */
  punctuation?: boolean;
  /** Expand `don't` → `do not`, `I'm` → `i am`, `it's` → `it is`, ... */
  contractions?: boolean;
  /** Spell out numbers: `42` → `forty two`, `3.5` → `three point five`, `10%` → `ten percent`. */
  numbers?: boolean;
  /** Drop hesitations: uh, um, er, erm, ah, hmm, mm, mhm. */
  fillers?: boolean;
}

const FILLERS = new Set(['uh', 'um', 'uhm', 'umm', 'er', 'erm', 'ah', 'hmm', 'hm', 'mm', 'mhm', 'uh-huh']);
const IRREGULAR: Readonly<Record<string, string>> = {
  "won't": 'will not',
  "can't": 'can not',
  cannot: 'can not',
  "shan't": 'shall not',
  "ain't": 'is not',
  "let's": 'let us',
  "y'all": 'you all',
};
const IS_PRONOUNS = new Set(['it', 'that', 'what', 'there', 'here', 'he', 'she', 'who', 'where', 'how', 'this']);
const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES: [number, string][] = [
  [1e9, 'billion'],
  [1e6, 'million'],
  [1e3, 'thousand'],
];

function belowThousand(value: number): string[] {
  const words: string[] = [];
  if (value >= 100) {
    words.push(ONES[Math.floor(value / 100)]!, 'hundred');
    value %= 100;
  }
  if (value >= 20) {
    words.push(TENS[Math.floor(value / 10)]!);
    value %= 10;
    if (value > 0) words.push(ONES[value]!);
  } else if (value > 0 || words.length === 0) {
    words.push(ONES[value]!);
  }
  return words;
}

/**
 * Spells out a non-negative integer in English words (`1234` → `one thousand two hundred
 * thirty four`). Numbers of 13 digits or more are read digit by digit.
 *
 * @example
 * ```ts
 * import { numberToWords } from '@telltale/stt';
 * numberToWords(42); // 'forty two'
 * ```
 */
export function numberToWords(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value >= 1e12) return digits(String(value).replace(/\D/g, ''));
  if (value === 0) return 'zero';
  const words: string[] = [];
  let rest = value;
  for (const [size, name] of SCALES) {
    if (rest >= size) {
      words.push(...belowThousand(Math.floor(rest / size)), name);
      rest %= size;
    }
  }
  if (rest > 0) words.push(...belowThousand(rest));
  return words.join(' ');
}

const digits = (text: string): string =>
  text
    .split('')
    .map((digit) => ONES[Number(digit)])
    .join(' ');

function spellNumbers(text: string): string {
  return text
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/(\d+)\s*%/g, '$1 percent')
    .replace(/\$(\d+)/g, '$1 dollars')
    .replace(/\d+(?:\.\d+)?/g, (match) => {
      const [whole = '0', fraction] = match.split('.');
      const spoken =
        (whole.length > 1 && whole.startsWith('0')) || whole.length > 12 ? digits(whole) : numberToWords(Number(whole));
      if (fraction === undefined) return ` ${spoken} `;
      return ` ${spoken} point ${digits(fraction)} `;
    });
}

function expandContraction(word: string): string {
  const irregular = IRREGULAR[word];
  if (irregular) return irregular;
  let match = /^(\w+)n't$/.exec(word);
  if (match) return `${match[1]} not`;
  match = /^(\w+)'(re|ve|ll|d|m|s)$/.exec(word);
  if (!match) return word;
  const [, stem = '', suffix] = match;
  switch (suffix) {
    case 're':
      return `${stem} are`;
    case 've':
      return `${stem} have`;
    case 'll':
      return `${stem} will`;
    case 'd':
      return `${stem} would`;
    case 'm':
      return `${stem} am`;
    default:
      // Only pronoun + 's means "is"; "John's" is a possessive and stays.
      return IS_PRONOUNS.has(stem) ? `${stem} is` : word;
  }
}

/**
 * Normalises text for word error rate scoring: lowercase, numbers spelled out, contractions
 * expanded, fillers dropped, punctuation removed, whitespace collapsed. Apply the same
 * normalisation to reference and hypothesis.
 *
 * @example
 * ```ts
 * import { normalizeText } from '@telltale/stt';
 * normalizeText("Um, it's 10% off — don't wait!"); // 'it is ten percent off do not wait'
 * ```
 */
export function normalizeText(text: string, options: NormalizeTextOptions = {}): string {
  let result = text.normalize('NFKC').replace(/[\u2018\u2019\u02bc]/g, "'");
  if (options.lowercase !== false) result = result.toLowerCase();
  if (options.numbers !== false) result = spellNumbers(result);
  if (options.punctuation !== false) {
    result = result.replace(/[^\p{L}\p{N}'\s]+/gu, ' ').replace(/(^|\s)'+|'+(?=\s|$)/g, '$1');
  }
  let words = result.split(/\s+/).filter((word) => word !== '');
  if (options.contractions !== false) words = words.flatMap((word) => expandContraction(word).split(' '));
  if (options.fillers !== false) words = words.filter((word) => !FILLERS.has(word));
  return words.join(' ');
}
