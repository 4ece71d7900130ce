import { describe, expect, it } from 'vitest';
import {
  compileTemplate,
  createSeriesStore,
  expandSeriesValues,
  exportPrometheusRules,
  humanize,
  humanizeDuration,
  humanizePercentage,
  loadRules,
  query,
} from '@telltale/alerts';

const data = { labels: { job: 'api' }, value: 0.12345, externalLabels: { env: 'prod' }, externalURL: 'http://x' };

describe('loadRules', () => {
  it.each([
    [
      'groups: [{ name: g, rules: [{ alert: A, expr: "up ==" }] }]',
      /group "g", rule "A" \(#1\), field "expr"\): Syntax error/,
    ],
    ['groups: [{ name: g, rules: [{ alert: A, expr: "up", fro: 5m }] }]', /field "fro"\): unknown field/],
    ['groups: [{ name: g, rules: [{ alert: A, expr: "up", for: soon }] }]', /field "for"/],
    ['groups: [{ name: g, rules: [{ record: "bad name", expr: "up" }] }]', /field "record"/],
    [
      'groups: [{ name: g, rules: [{ alert: A, expr: "limit_ratio(0.5, up)" }] }]',
      /Unsupported PromQL construct: aggregation limit_ratio/,
    ],
    ['groups: [{ name: g, rules: [{ alert: A, expr: "histogram_count(up)" }] }]', /function histogram_count\(\)/],
    ['groups: [{ name: g, rules: [{ alert: A, expr: "info(up)" }] }]', /function info\(\)/],
    [
      'groups: [{ name: g, rules: [{ alert: A, expr: "up", annotations: { a: "{{ template \\"x\\" }}" } }] }]',
      /field "annotations.a".*unsupported template construct "template"/,
    ],
    ['groups: [{ name: g, rules: [] }, { name: g, rules: [] }]', /repeated group name/],
    ['groups: [{ name: g, rules: [{ alert: A, expr: "up > 1", telltale: { noData: maybe } }] }]', /telltale.noData/],
  ])('rejects %s', (text, message) => {
    expect(() => loadRules(text)).toThrow(message);
  });

  it('exports YAML without telltale settings that loads again', () => {
    const yaml = exportPrometheusRules({
      groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0', for: '5m', telltale: { noData: 'alerting' } }] }],
    });
    expect(yaml).not.toContain('telltale');
    expect(loadRules(yaml).groups[0]!.rules[0]!.name).toBe('A');
  });
});

describe('templates', () => {
  it('renders labels, values and humanize functions like Prometheus', () => {
    expect(compileTemplate('{{ $labels.job }} {{ $value }} {{ $externalLabels.env }}')(data)).toBe('api 0.12345 prod');
    expect(compileTemplate('{{ $value | humanizePercentage }}')(data)).toBe('12.35%');
    expect(compileTemplate('{{ printf "%.1f" $value }}|{{ $labels.missing }}|')(data)).toBe('0.1||');
    expect(humanize(1234567)).toBe('1.235M');
    expect(humanize(0.0012)).toBe('1.2m');
    expect(humanizePercentage(0.5)).toBe('50%');
    expect(humanizeDuration(93784)).toBe('1d 2h 3m 4s');
    expect(humanizeDuration(0.25)).toBe('250ms');
  });

  it('never throws at run time: errors render as Prometheus renders them', () => {
    const render = compileTemplate('{{ humanize $labels.job }}');
    expect(render(data)).toMatch(/^<error expanding template: /);
  });
});

describe('series notation and queries', () => {
  it('expands promtool notation', () => {
    expect(expandSeriesValues('-2+4x3 1-2x2 _x2 stale 7')).toEqual([
      -2,
      2,
      6,
      10,
      1,
      -1,
      -3,
      'missing',
      'missing',
      'stale',
      7,
    ]);
  });

  it('uses left-open range selectors (Prometheus 3)', () => {
    const store = createSeriesStore();
    for (let minute = 0; minute <= 10; minute++) store.append({ __name__: 'x' }, minute * 60_000, minute);
    const result = query(store, 'count_over_time(x[5m])', 10 * 60_000);
    expect(result.type === 'vector' && result.samples[0]!.value).toBe(5);
  });

  it('stores samples compactly and honours retention and the sample cap', () => {
    const store = createSeriesStore({ retention: '10m', maxSamplesPerSeries: 16 });
    for (let series = 0; series < 100; series++) {
      for (let minute = 0; minute < 60; minute++)
        store.append({ __name__: 'x', id: String(series) }, minute * 15_000, minute);
    }
    expect(store.sampleCount()).toBe(1600);
    expect(store.sampleBytes() / store.sampleCount()).toBeLessThan(200);
    store.truncate(60 * 60_000);
    expect(store.seriesCount()).toBe(0);
  });
});
