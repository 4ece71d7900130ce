// Runs test scripts in Prometheus' promqltest format against our PromQL evaluator and
// classifies every instant `eval` as correct, wrong, unsupported (rejected at load
// time as an unsupported construct) or crashed (a non-Telltale exception).
import { TelltaleError } from '@telltale/core';
import { evaluateExpression } from '../../src/promql/evaluate.js';
import { parsePromql, type ParsedExpression } from '../../src/promql/parse.js';
import { compileLabelRegex } from '../../src/promql/regex.js';
import type { QueryValue } from '../../src/promql/values.js';
import { labelsKey, type Labels } from '../../src/store/labels.js';
import { createSeriesStore, type SeriesStore } from '../../src/store/series-store.js';
import { parseSeriesLabels } from '../../src/tooling/series-notation.js';
import { parseTestScript, type EvalCommand, type LoadCommand } from './test-script.js';

/**
 * `different`: not correct, but listed in known-differences.ts with the reason (a deliberate,
 * documented difference from Prometheus' test harness, not a bug).
 */
export type Outcome = 'correct' | 'wrong' | 'unsupported' | 'crashed' | 'different';

export interface CaseResult {
  readonly line: number;
  readonly expression: string;
  readonly outcome: Outcome;
  /** Why a case is not correct. */
  readonly detail?: string;
}

export interface FileResult {
  readonly cases: readonly CaseResult[];
  /** Native-histogram cases left out. */
  readonly skipped: number;
}

const LOOKBACK = 5 * 60_000;

interface State {
  store: SeriesStore;
  /** Metric names holding native histograms (loaded, or converted by `load_with_nhcb`). */
  nativeNames: Set<string>;
  loadError: string | undefined;
}

function freshState(): State {
  return {
    store: createSeriesStore({ retention: 1e13, maxSamplesPerSeries: 1e7 }),
    nativeNames: new Set(),
    loadError: undefined,
  };
}

function load(state: State, command: LoadCommand): void {
  // A series defined twice in one block: the later definition wins at a shared timestamp, as in promqltest.
  const pending = new Map<string, { labels: Labels; points: Map<number, number | 'stale'> }>();
  for (const series of command.series) {
    let labels: Labels;
    try {
      labels = parseSeriesLabels(series.description);
    } catch (error) {
      state.loadError = `cannot load ${series.description}: ${(error as Error).message}`;
      continue;
    }
    const name = labels.__name__ ?? '';
    if (series.nativeHistogram) {
      state.nativeNames.add(name);
      continue;
    }
    if (command.withNhcb && name.endsWith('_bucket')) state.nativeNames.add(name.slice(0, -'_bucket'.length));
    const key = labelsKey(labels);
    let entry = pending.get(key);
    if (!entry) pending.set(key, (entry = { labels, points: new Map() }));
    for (const [index, value] of series.values!.entries()) {
      if (value !== 'missing') entry.points.set(index * command.step, value);
    }
  }
  for (const { labels, points } of pending.values()) {
    for (const [time, value] of [...points].sort((left, right) => left[0] - right[0])) {
      if (value === 'stale') state.store.append(labels, time, Number.NaN, { stale: true });
      else state.store.append(labels, time, value);
    }
  }
}

function touchesNativeHistograms(state: State, command: EvalCommand): boolean {
  if (command.nativeHistogram) return true;
  if (state.nativeNames.size === 0) return false;
  for (const identifier of command.expression.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? []) {
    if (state.nativeNames.has(identifier)) return true;
  }
  for (const quoted of command.expression.match(/"[^"]*"/g) ?? []) {
    if (state.nativeNames.has(quoted.slice(1, -1))) return true;
  }
  // A regex on the metric name may select native histograms too.
  for (const match of command.expression.matchAll(/__name__\s*=~\s*(["'])((?:(?!\1).)*)\1/g)) {
    const regex = compileLabelRegex(match[2]!);
    if ([...state.nativeNames].some((name) => regex.test(name))) return true;
  }
  return false;
}

/** Prometheus' `almost.Equal` with the test framework's epsilon (1e-6 relative). */
export function almostEqual(expected: number, actual: number): boolean {
  if (Number.isNaN(expected) && Number.isNaN(actual)) return true;
  if (expected === actual) return true;
  const minNormal = 2.2250738585072014e-308;
  const absSum = Math.abs(expected) + Math.abs(actual);
  const diff = Math.abs(expected - actual);
  if (expected === 0 || actual === 0 || absSum < minNormal) return diff < 1e-6 * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < 1e-6;
}

function describe(labels: Labels): string {
  return JSON.stringify(labels);
}

/** Compares a result with the expectation; returns why it differs, or undefined. */
function compare(command: EvalCommand, value: QueryValue): string | undefined {
  if (command.expectedString !== undefined) {
    if (value.type !== 'string') return `expected a string, got ${value.type}`;
    return value.value === command.expectedString ? undefined : `expected string ${command.expectedString}`;
  }
  const scalarExpected = command.expected.length === 1 && command.expected[0]!.description === undefined;
  if (scalarExpected) {
    if (value.type !== 'scalar') return `expected a scalar, got ${value.type}`;
    const expected = command.expected[0]!.values[0] as number;
    return almostEqual(expected, value.value) ? undefined : `expected scalar ${expected}, got ${value.value}`;
  }
  const expected = new Map<string, { labels: Labels; values: ExpectedValues; position: number }>();
  command.expected.forEach((line, position) => {
    const labels = parseSeriesLabels(line.description!);
    expected.set(labelsKey(labels), { labels, values: line.values, position });
  });
  if (value.type === 'vector') {
    if (command.range) return 'expected a range vector, got an instant vector';
    const seen = new Set<string>();
    for (const [position, sample] of value.samples.entries()) {
      const key = labelsKey(sample.labels);
      if (seen.has(key)) return `duplicate series ${describe(sample.labels)} in the result`;
      seen.add(key);
      const entry = expected.get(key);
      if (!entry) return `unexpected series ${describe(sample.labels)} = ${sample.value}`;
      if (command.ordered && entry.position !== position) return `${describe(sample.labels)} at position ${position}`;
      const want = entry.values[0];
      if (typeof want !== 'number' || !almostEqual(want, sample.value)) {
        return `expected ${String(want)} for ${describe(sample.labels)}, got ${sample.value}`;
      }
    }
    for (const [key, entry] of expected) if (!seen.has(key)) return `missing series ${describe(entry.labels)}`;
    return undefined;
  }
  if (value.type === 'matrix') {
    const range = command.range;
    if (!range) return 'expected an instant vector, got a range vector';
    const seen = new Set<string>();
    for (const series of value.series) {
      const key = labelsKey(series.labels);
      const entry = expected.get(key);
      if (!entry) return `unexpected series ${describe(series.labels)}`;
      seen.add(key);
      const points: [number, number][] = [];
      entry.values.forEach((want, index) => {
        if (typeof want === 'number') points.push([range.start + index * range.step, want]);
      });
      const count = series.end - series.start;
      if (count !== points.length) return `expected ${points.length} points for ${describe(series.labels)}`;
      for (let index = 0; index < count; index++) {
        const [time, want] = points[index]!;
        if (series.times[series.start + index] !== time || !almostEqual(want, series.values[series.start + index]!)) {
          return `point ${index} of ${describe(series.labels)} differs`;
        }
      }
    }
    for (const [key, entry] of expected) if (!seen.has(key)) return `missing series ${describe(entry.labels)}`;
    return undefined;
  }
  return `expected a vector, got ${value.type}`;
}

type ExpectedValues = EvalCommand['expected'][number]['values'];

function runEval(state: State, command: EvalCommand): CaseResult {
  const base = { line: command.line, expression: command.expression };
  if (state.loadError) return { ...base, outcome: 'unsupported', detail: state.loadError };
  let parsed: ParsedExpression;
  try {
    parsed = parsePromql(command.expression);
  } catch (error) {
    if (!TelltaleError.is(error)) return { ...base, outcome: 'crashed', detail: String(error) };
    if (command.fail && error.code === 'TELLTALE_PROMQL_SYNTAX') return { ...base, outcome: 'correct' };
    return { ...base, outcome: 'unsupported', detail: error.message };
  }
  let value: QueryValue;
  try {
    value = evaluateExpression(parsed, { store: state.store, time: command.time, lookbackDelta: LOOKBACK });
  } catch (error) {
    if (!TelltaleError.is(error)) return { ...base, outcome: 'crashed', detail: String((error as Error).stack) };
    if (command.fail) return { ...base, outcome: 'correct' };
    return { ...base, outcome: 'wrong', detail: `unexpected error: ${error.message}` };
  }
  if (command.fail) return { ...base, outcome: 'wrong', detail: 'expected an error, got a result' };
  try {
    const difference = compare(command, value);
    return difference ? { ...base, outcome: 'wrong', detail: difference } : { ...base, outcome: 'correct' };
  } catch (error) {
    return { ...base, outcome: 'unsupported', detail: `cannot read expectation: ${(error as Error).message}` };
  }
}

/**
 * Runs one test script; native-histogram cases are counted in `skipped`, not run.
 * `knownDifferences` maps an expression to the reason our answer differs on purpose.
 */
export function runTestScript(text: string, knownDifferences: ReadonlyMap<string, string> = new Map()): FileResult {
  let state = freshState();
  const cases: CaseResult[] = [];
  let skipped = 0;
  for (const command of parseTestScript(text)) {
    if (command.kind === 'clear') state = freshState();
    else if (command.kind === 'load') load(state, command);
    else if (touchesNativeHistograms(state, command)) skipped++;
    else {
      const result = runEval(state, command);
      const reason = knownDifferences.get(command.expression);
      const listed = reason !== undefined && (result.outcome === 'wrong' || result.outcome === 'unsupported');
      cases.push(listed ? { ...result, outcome: 'different', detail: `${reason} (${result.detail ?? ''})` } : result);
    }
  }
  return { cases, skipped };
}
