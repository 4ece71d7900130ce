import { describe, expect, it } from 'vitest';
import { TelltaleError } from '@telltale/core';
import { createSeriesStore, query, type QueryValue, type SeriesStore } from '@telltale/alerts';

const MINUTE = 60_000;

function store(): SeriesStore {
  const result = createSeriesStore({ retention: '1d' });
  for (let minute = 0; minute <= 10; minute++) {
    const at = minute * MINUTE;
    result.append({ __name__: 'requests_total', job: 'api', code: '200' }, at, minute * 60);
    result.append({ __name__: 'requests_total', job: 'api', code: '500' }, at, minute * 6);
    result.append(
      { __name__: 'requests_total', job: 'web', code: '200' },
      at,
      minute < 5 ? minute * 30 : (minute - 5) * 30,
    );
    result.append({ __name__: 'info', job: 'api', version: '1' }, at, 1);
    result.append({ __name__: 'info', job: 'web', version: '2' }, at, 1);
  }
  return result;
}

function samples(value: QueryValue): Record<string, number> {
  if (value.type === 'scalar') return { scalar: value.value };
  if (value.type !== 'vector') throw new Error(value.type);
  return Object.fromEntries(
    value.samples.map((sample) => [
      Object.entries(sample.labels)
        .sort()
        .map(([name, label]) => `${name}=${label}`)
        .join(','),
      sample.value,
    ]),
  );
}

const at10 = (expression: string, data = store()) => samples(query(data, expression, 10 * MINUTE));

describe('PromQL evaluator', () => {
  it('rate and increase extrapolate like Prometheus and handle counter resets', () => {
    expect(at10('rate(requests_total{code="200"}[5m])')).toEqual({ 'code=200,job=api': 1, 'code=200,job=web': 0.5 });
    expect(at10('increase(requests_total{job="web"}[5m])')).toEqual({ 'code=200,job=web': 150 });
    expect(at10('irate(requests_total{job="api",code="500"}[5m])')).toEqual({ 'code=500,job=api': 0.1 });
    expect(at10('delta(info{job="api"}[5m])')).toEqual({ 'job=api,version=1': 0 });
  });

  it('aggregates with by/without, topk/bottomk keep labels', () => {
    expect(at10('sum by (job) (requests_total)')).toEqual({ 'job=api': 660, 'job=web': 150 });
    expect(at10('sum without (code) (requests_total)')).toEqual({ 'job=api': 660, 'job=web': 150 });
    expect(at10('topk(1, requests_total)')).toEqual({ '__name__=requests_total,code=200,job=api': 600 });
    expect(at10('bottomk(1, requests_total)')).toEqual({ '__name__=requests_total,code=500,job=api': 60 });
    expect(at10('count(requests_total) + avg(info)')).toEqual({ '': 4 });
    expect(at10('quantile(0.5, requests_total)')).toEqual({ '': 150 });
  });

  it('matches vectors with on/ignoring and group_left/group_right', () => {
    expect(at10('requests_total{code="500"} * on (job) group_left (version) info')).toEqual({
      'code=500,job=api,version=1': 60,
    });
    expect(at10('info * on (job) group_right (version) requests_total')).toEqual({
      'code=200,job=api,version=1': 600,
      'code=500,job=api,version=1': 60,
      'code=200,job=web,version=2': 150,
    });
    expect(() => at10('requests_total * on (job) info')).toThrow(TelltaleError);
    expect(at10('requests_total > bool on (job, code) requests_total')).toEqual({
      'code=200,job=api': 0,
      'code=500,job=api': 0,
      'code=200,job=web': 0,
    });
  });

  it('set operators, scalars, bool and unary minus', () => {
    expect(at10('requests_total{job="web"} and on (job) info')).toEqual({
      '__name__=requests_total,code=200,job=web': 150,
    });
    expect(at10('requests_total unless on (job) info{job="api"}')).toEqual({
      '__name__=requests_total,code=200,job=web': 150,
    });
    expect(at10('2 ^ 3 % 5 + time()')).toEqual({ scalar: 603 });
    expect(at10('1 > bool 2')).toEqual({ scalar: 0 });
    expect(at10('-info{job="web"}')).toEqual({ 'job=web,version=2': -1 });
    expect(at10('scalar(info)')).toEqual({ scalar: Number.NaN });
  });

  it('honours offset, the 5m lookback and staleness markers', () => {
    const data = store();
    expect(at10('requests_total{job="api",code="200"} offset 5m', data)).toEqual({
      '__name__=requests_total,code=200,job=api': 300,
    });
    data.append({ __name__: 'requests_total', job: 'api', code: '200' }, 10.5 * MINUTE, Number.NaN, { stale: true });
    expect(samples(query(data, 'requests_total{code="200"}', 11 * MINUTE))).toEqual({
      '__name__=requests_total,code=200,job=web': 150,
    });
    // The lookback window is left-open too (Prometheus 3): (t - 5m, t].
    expect(samples(query(data, 'info', 15 * MINUTE - 1))).toEqual({
      '__name__=info,job=api,version=1': 1,
      '__name__=info,job=web,version=2': 1,
    });
    expect(samples(query(data, 'info', 15 * MINUTE))).toEqual({});
  });

  it('absent and absent_over_time take labels from equality matchers', () => {
    expect(at10('absent(nothing{job="x", instance=~"a.*"})')).toEqual({ 'job=x': 1 });
    expect(at10('absent(info)')).toEqual({});
    expect(at10('absent_over_time(nothing{job="y"}[5m])')).toEqual({ 'job=y': 1 });
  });

  it('histogram_quantile interpolates and needs a +Inf bucket', () => {
    const data = createSeriesStore();
    for (const [le, count] of [
      ['0.1', 50],
      ['1', 90],
      ['+Inf', 100],
    ] as const) {
      data.append({ __name__: 'latency_bucket', le, job: 'api' }, 0, count);
      data.append({ __name__: 'broken_bucket', le, job: 'api' }, 0, le === '+Inf' ? Number.NaN : count);
    }
    data.append({ __name__: 'noinf_bucket', le: '1', job: 'api' }, 0, 1);
    expect(samples(query(data, 'histogram_quantile(0.5, latency_bucket)', 0))).toEqual({ 'job=api': 0.1 });
    expect(samples(query(data, 'histogram_quantile(0.7, latency_bucket)', 0))).toEqual({ 'job=api': 0.55 });
    expect(samples(query(data, 'histogram_quantile(0.99, latency_bucket)', 0))).toEqual({ 'job=api': 1 });
    expect(samples(query(data, 'histogram_quantile(0.5, noinf_bucket)', 0))).toEqual({ 'job=api': Number.NaN });
  });

  it('math functions drop the metric name; last_over_time keeps it', () => {
    expect(at10('round(clamp_min(abs(info - 3), 1.6), 0.5)')).toEqual({
      'job=api,version=1': 2,
      'job=web,version=2': 2,
    });
    expect(at10('clamp(requests_total{job="web"}, 0, 100)')).toEqual({ 'code=200,job=web': 100 });
    expect(at10('last_over_time(info{job="web"}[1m])')).toEqual({ '__name__=info,job=web,version=2': 1 });
    expect(at10('quantile_over_time(0.5, requests_total{job="web"}[5m])')).toEqual({ 'code=200,job=web': 90 });
    expect(at10('vector(3)')).toEqual({ '': 3 });
  });

  it('rejects unsupported syntax at parse time, naming the construct', () => {
    for (const [expression, construct] of [
      ['limit_ratio(0.5, x)', 'aggregation limit_ratio'],
      ['histogram_count(x)', 'function histogram_count()'],
      ['info(x)', 'function info()'],
      ['histogram_avg(x)', 'function histogram_avg()'],
      ['x{"a.b"="c"}', 'quoted (UTF-8) label name'],
    ]) {
      try {
        query(createSeriesStore(), expression!, 0);
        expect.unreachable(expression);
      } catch (error) {
        expect(TelltaleError.is(error, 'TELLTALE_PROMQL_UNSUPPORTED'), expression).toBe(true);
        expect((error as TelltaleError).details.construct).toBe(construct);
      }
    }
    expect(() => query(createSeriesStore(), 'sum(', 0)).toThrow(/Syntax error/);
    expect(() => query(createSeriesStore(), 'rate(x)', 0)).toThrow(/expects argument 1 of type matrix/);
    expect(() => query(createSeriesStore(), '1 > 2', 0)).toThrow(/bool/);
  });
});
