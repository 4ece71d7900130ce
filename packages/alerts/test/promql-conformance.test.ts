import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { query } from '../src/promql/query.js';
import { createSeriesStore } from '../src/store/series-store.js';
import { longestLookback } from '../src/promql/longest-lookback.js';
import { parsePromql } from '../src/promql/parse.js';
import { runTestScript } from './conformance/conformance-runner.js';

const casesDirectory = join(import.meta.dirname, 'conformance', 'cases');
const caseFiles = readdirSync(casesDirectory).filter((name) => name.endsWith('.test'));

describe('PromQL conformance cases (promqltest format)', () => {
  it('has case files', () => {
    expect(caseFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(caseFiles)('%s: every case is correct', (file) => {
    const result = runTestScript(readFileSync(join(casesDirectory, file), 'utf8'));
    expect(result.cases.length).toBeGreaterThan(0);
    const notCorrect = result.cases.filter((entry) => entry.outcome !== 'correct');
    expect(notCorrect).toEqual([]);
  });
});

describe('conformance runner', () => {
  const data = 'load 1m\n  up{job="a"} 1 2\n  up{job="b"} 5\n\n';

  it('reports a result that differs from the expectation as wrong', () => {
    const result = runTestScript(`${data}eval instant at 1m up{job="a"}\n  up{job="a"} 3\n`);
    expect(result.cases).toMatchObject([{ outcome: 'wrong', detail: expect.stringMatching(/expected 3/) }]);
  });

  it('reports missing, extra and misordered series as wrong', () => {
    const missing = runTestScript(`${data}eval instant at 1m up\n  up{job="a"} 2\n`);
    expect(missing.cases[0]).toMatchObject({ outcome: 'wrong', detail: expect.stringMatching(/unexpected series/) });
    const extra = runTestScript(`${data}eval instant at 1m up{job="a"}\n  up{job="a"} 2\n  up{job="c"} 1\n`);
    expect(extra.cases[0]).toMatchObject({ outcome: 'wrong', detail: expect.stringMatching(/missing series/) });
    const order = runTestScript(`${data}eval_ordered instant at 1m sort(up)\n  up{job="b"} 5\n  up{job="a"} 2\n`);
    expect(order.cases[0]).toMatchObject({ outcome: 'wrong' });
  });

  it('reports a result where an error was expected as wrong, and an expected error as correct', () => {
    const result = runTestScript(
      `${data}eval instant at 1m up\n  expect fail\n\neval instant at 1m sum(\n  expect fail\n`,
    );
    expect(result.cases.map((entry) => entry.outcome)).toEqual(['wrong', 'correct']);
  });

  it('reports constructs we reject as unsupported and leaves native histograms out', () => {
    const result = runTestScript(
      `${data}eval instant at 1m limit_ratio(0.5, up)\n  {} 1\n\n` +
        'load 1m\n  latency {{schema:0 sum:1 count:1}}\n\neval instant at 1m latency\n  {} 1\n',
    );
    expect(result.cases.map((entry) => entry.outcome)).toEqual(['unsupported']);
    expect(result.skipped).toBe(1);
  });

  it('reports a listed difference as different only when the answer differs', () => {
    const known = new Map([
      ['up{job="a"}', 'a reason'],
      ['up{job="b"}', 'another reason'],
    ]);
    const result = runTestScript(
      `${data}eval instant at 1m up{job="a"}\n  up{job="a"} 3\n\neval instant at 1m up{job="b"}\n  up{job="b"} 5\n`,
      known,
    );
    expect(result.cases.map((entry) => entry.outcome)).toEqual(['different', 'correct']);
  });
});

describe('PromQL semantics through query()', () => {
  it('fails the evaluation when dropping __name__ makes two samples equal', () => {
    const store = createSeriesStore();
    store.append({ __name__: 'a', job: 'x' }, 0, 1.2);
    store.append({ __name__: 'b', job: 'x' }, 0, 3.4);
    expect(() => query(store, 'ceil({__name__=~"a|b"})', 0)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_PROMQL_EVALUATION', message: expect.stringMatching(/same labelset/) }),
    );
    expect(query(store, 'ceil(a)', 0)).toEqual({ type: 'vector', samples: [{ labels: { job: 'x' }, value: 2 }] });
  });

  it('evaluates subqueries and @ against the stored samples', () => {
    const store = createSeriesStore();
    for (let minute = 0; minute <= 10; minute++) store.append({ __name__: 'jobs' }, minute * 60_000, minute * 2);
    expect(query(store, 'max_over_time(jobs[5m:1m])', 600_000)).toEqual({
      type: 'vector',
      samples: [{ labels: {}, value: 20 }],
    });
    expect(query(store, 'jobs @ 120', 600_000)).toMatchObject({ samples: [{ value: 4 }] });
  });

  it('counts a subquery in how far back an expression reads', () => {
    const lookback = 5 * 60_000;
    expect(longestLookback(parsePromql('max_over_time(rate(x[2m])[10m:1m] offset 1m)').root, lookback)).toBe(
      13 * 60_000,
    );
    expect(longestLookback(parsePromql('min_over_time(x[30m:])').root, lookback)).toBe(35 * 60_000);
  });
});
