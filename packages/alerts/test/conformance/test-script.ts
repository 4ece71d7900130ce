// Reads Prometheus' PromQL test-script format (`load`, `clear`, `eval instant at`),
// the format of promql/promqltest/testdata/*.test, into plain commands.
/** One expanded value: a number, a gap (`_`) or a staleness marker. */
export type InputValue = number | 'missing' | 'stale';

/** A series of a `load` block: its description and expanded values. */
export interface LoadSeries {
  readonly description: string;
  readonly values: readonly InputValue[] | undefined;
  /** True when the values are native histograms (`{{...}}`), which we leave out. */
  readonly nativeHistogram: boolean;
}

export interface LoadCommand {
  readonly kind: 'load';
  readonly step: number;
  readonly withNhcb: boolean;
  readonly series: readonly LoadSeries[];
}

/** One expected line of an instant evaluation. */
export interface ExpectedLine {
  /** Series description (`{}` / `name{a="b"}`), or undefined for a scalar. */
  readonly description: string | undefined;
  readonly values: readonly InputValue[];
}

export interface EvalCommand {
  readonly kind: 'eval';
  readonly line: number;
  readonly time: number;
  readonly expression: string;
  readonly fail: boolean;
  readonly ordered: boolean;
  readonly expected: readonly ExpectedLine[];
  readonly expectedString: string | undefined;
  /** `expect range vector from A to B step C`: an instant query returning a matrix. */
  readonly range: { readonly start: number; readonly end: number; readonly step: number } | undefined;
  readonly nativeHistogram: boolean;
}

export type ScriptCommand = LoadCommand | EvalCommand | { readonly kind: 'clear' };

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Prometheus' `model.ParseDuration` (`1h30m`, `10s53ms`, `0`). */
export function parseTestDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  let total = 0;
  let matched = '';
  for (const part of trimmed.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    total += Number(part[1]) * UNITS[part[2]!]!;
    matched += part[0];
  }
  if (matched !== trimmed || trimmed === '') throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return total;
}

/** Splits `name{a="}"} 1 2` into the description and the value text, respecting quotes. */
export function splitSeriesLine(line: string): { description: string; rest: string } {
  let index = 0;
  while (index < line.length && !/[\s{]/.test(line[index]!)) index++;
  if (line[index] === '{') {
    let quote: string | undefined;
    for (index++; index < line.length; index++) {
      const char = line[index]!;
      if (quote) {
        if (char === '\\') index++;
        else if (char === quote) quote = undefined;
      } else if (char === '"' || char === "'" || char === '`') quote = char;
      else if (char === '}') break;
    }
    index++;
  }
  return { description: line.slice(0, index).trim(), rest: line.slice(index).trim() };
}

const NUMBER_TEXT = String.raw`[+-]?(?:inf|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)`;
const NUMBER = new RegExp(`^${NUMBER_TEXT}$`, 'i');
const EXPANDING = new RegExp(`^(${NUMBER_TEXT}|_)(?:([+-])(${NUMBER_TEXT}))?x(\\d+)$`, 'i');

function scalarValue(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const lower = text.toLowerCase();
  const sign = lower.startsWith('-') ? -1 : 1;
  const body = lower.replace(/^[+-]/, '');
  if (body === 'inf') return sign * Infinity;
  if (body === 'nan') return Number.NaN;
  return Number(text);
}

/** Expands the series notation of `load` and expectations: `0+10x3`, `1-2x2`, `5x2`, `_x3`, `stale`. */
export function expandValues(notation: string): InputValue[] {
  const values: InputValue[] = [];
  for (const token of notation.trim().split(/\s+/).filter(Boolean)) {
    if (token === '_') values.push('missing');
    else if (token === 'stale') values.push('stale');
    else if (NUMBER.test(token)) values.push(scalarValue(token)!);
    else {
      const match = EXPANDING.exec(token);
      if (!match) throw new Error(`invalid series value ${JSON.stringify(token)}`);
      const count = Number(match[4]);
      if (match[1] === '_') {
        for (let index = 0; index < count; index++) values.push('missing');
        continue;
      }
      const start = scalarValue(match[1]!)!;
      const step = match[2] ? (match[2] === '-' ? -1 : 1) * scalarValue(match[3]!)! : 0;
      for (let index = 0; index <= count; index++) values.push(start + index * step);
    }
  }
  return values;
}

const EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(\S+))?\s+(.+)$/;
const EXPECT_RANGE = /^expect range vector\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)$/;

/** Parses a whole test script; `eval range` commands are skipped (we run instant queries only). */
export function parseTestScript(text: string): ScriptCommand[] {
  // A comment line counts as a blank line (it ends a block, so `#empty` means "no result"), as in promqltest.
  const lines = text.split('\n').map((line, index) => {
    const trimmed = line.trim();
    return { text: trimmed.startsWith('#') ? '' : trimmed, number: index + 1 };
  });
  const commands: ScriptCommand[] = [];
  for (let index = 0; index < lines.length; index++) {
    const { text: line, number } = lines[index]!;
    if (line === '') continue;
    if (line === 'clear') {
      commands.push({ kind: 'clear' });
      continue;
    }
    const block: string[] = [];
    while (index + 1 < lines.length && lines[index + 1]!.text !== '') block.push(lines[++index]!.text);
    if (line.startsWith('load')) commands.push(load(line, block));
    else if (EVAL_INSTANT.test(line)) commands.push(evaluation(line, number, block));
  }
  return commands;
}

function load(line: string, block: readonly string[]): LoadCommand {
  const [command, step] = line.split(/\s+/);
  const series = block.map((entry): LoadSeries => {
    const { description, rest } = splitSeriesLine(entry);
    if (rest.includes('{{')) return { description, values: undefined, nativeHistogram: true };
    return { description, values: expandValues(rest), nativeHistogram: false };
  });
  return { kind: 'load', step: parseTestDuration(step ?? ''), withNhcb: command === 'load_with_nhcb', series };
}

function evaluation(line: string, lineNumber: number, block: readonly string[]): EvalCommand {
  const match = EVAL_INSTANT.exec(line)!;
  const modifier = match[1];
  let fail = modifier === 'fail';
  let ordered = modifier === 'ordered';
  let range: EvalCommand['range'];
  let expectedString: string | undefined;
  let nativeHistogram = false;
  const expected: ExpectedLine[] = [];
  for (const entry of block) {
    if (entry.startsWith('expected_fail_')) continue;
    const rangeMatch = EXPECT_RANGE.exec(entry);
    if (rangeMatch) {
      range = {
        start: parseTestDuration(rangeMatch[1]!),
        end: parseTestDuration(rangeMatch[2]!),
        step: parseTestDuration(rangeMatch[3]!),
      };
      continue;
    }
    if (entry.startsWith('expect string')) {
      const literal = entry.slice('expect string'.length).trim();
      expectedString = literal.startsWith('`') ? literal.slice(1, -1) : (JSON.parse(literal) as string);
      continue;
    }
    if (entry.split(' ')[0] === 'expect') {
      // Annotations (warn/info) are not modelled; `fail` and `ordered` are.
      if (/^expect\s+fail\b/.test(entry)) fail = true;
      if (/^expect\s+ordered\b/.test(entry)) ordered = true;
      continue;
    }
    if (entry.includes('{{')) {
      nativeHistogram = true;
      continue;
    }
    const scalar = scalarValue(entry);
    if (scalar !== undefined) {
      expected.push({ description: undefined, values: [scalar] });
      continue;
    }
    const { description, rest } = splitSeriesLine(entry);
    expected.push({ description, values: expandValues(rest) });
  }
  return {
    kind: 'eval',
    line: lineNumber,
    time: parseTestDuration(match[2] ?? '0'),
    expression: match[3]!,
    fail,
    ordered,
    expected,
    expectedString,
    range,
    nativeHistogram,
  };
}
