import { describe, expect, it } from 'vitest';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { createManualClock } from '@telltale/core';
import { createAlertEngine, type CollectedSample } from '@telltale/alerts';

class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function points(metrics: ResourceMetrics, name: string) {
  const metric = metrics.scopeMetrics.flatMap((scope) => scope.metrics).find((item) => item.descriptor.name === name);
  return (metric?.dataPoints ?? []).map((point) => ({
    attributes: point.attributes,
    value: typeof point.value === 'number' ? point.value : (point.value as { count: number }).count,
  }));
}

describe('state() and metrics', () => {
  it('reports rules, alerts, groups and silences, and records evaluations and notifications', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const clock = createManualClock({ now: 0 });
    let samples: CollectedSample[] = [{ labels: { __name__: 'load', host: 'a' }, value: 20 }];
    let failing = true;
    const engine = createAlertEngine({
      source: { collect: () => samples },
      rules: `
groups:
  - name: g
    rules:
      - record: load:doubled
        expr: load * 2
      - alert: High
        expr: load > 10
      - alert: Broken
        expr: load * on() group_left load
`,
      receivers: {
        oncall: () => {
          if (failing) {
            failing = false;
            throw new Error('down');
          }
        },
      },
      route: { receiver: 'oncall' },
      clock,
      meterProvider,
    });
    expect(engine.state().rules.map((rule) => [rule.name, rule.type, rule.health])).toEqual([
      ['load:doubled', 'recording', 'unknown'],
      ['High', 'alerting', 'unknown'],
      ['Broken', 'alerting', 'unknown'],
    ]);
    samples = [...samples, { labels: { __name__: 'load', host: 'b' }, value: 1 }];
    await clock.advanceAsync(60_000);
    await clock.advanceAsync(30_000); // group_wait: fails once, retried after 1 s
    await clock.advanceAsync(1_000);
    const silence = engine.silence('host="z"', { until: 3_600_000 });
    const state = engine.state();
    expect(state.lastEvaluation).toBe(60_000);
    expect(state.rules.map((rule) => [rule.name, rule.health, rule.lastEvaluation, rule.alerts])).toEqual([
      ['load:doubled', 'ok', 60_000, 0],
      ['High', 'ok', 60_000, 1],
      ['Broken', 'error', 60_000, 0],
    ]);
    expect(state.rules[2]!.lastError).toMatch(/many/);
    expect(state.rules[1]!.evaluationDurationSeconds).toBeGreaterThanOrEqual(0);
    expect(state.alerts.map((alert) => [alert.rule, alert.state, alert.labels.host])).toEqual([
      ['High', 'firing', 'a'],
    ]);
    expect(state.groups).toEqual([
      {
        groupKey: '{}:{}',
        receiver: 'oncall',
        labels: {},
        alerts: [
          {
            fingerprint: expect.any(String) as string,
            labels: { alertname: 'High', host: 'a' },
            status: 'firing',
            mutedBy: undefined,
          },
        ],
        lastNotifiedAt: 91_000,
      },
    ]);
    expect(state.silences.map((item) => item.id)).toEqual([silence]);

    const { resourceMetrics } = await reader.collect();
    expect(points(resourceMetrics, 'telltale.alerts.evaluations')).toEqual([
      { attributes: { 'rule_group.name': 'g', outcome: 'failure' }, value: 1 },
    ]);
    expect(points(resourceMetrics, 'telltale.alerts.evaluation.duration')).toEqual([
      { attributes: { 'rule_group.name': 'g' }, value: 1 },
    ]);
    expect(points(resourceMetrics, 'telltale.alerts.notifications')).toEqual([
      { attributes: { receiver: 'oncall', outcome: 'failure' }, value: 1 },
      { attributes: { receiver: 'oncall', outcome: 'success' }, value: 1 },
    ]);
    expect(points(resourceMetrics, 'telltale.alerts.alerts')).toEqual([
      { attributes: { alertname: 'High', alertstate: 'firing' }, value: 1 },
    ]);
    await engine.close();
    await meterProvider.shutdown();
  });
});
