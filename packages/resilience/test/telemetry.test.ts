import { describe, expect, it } from 'vitest';
import { probeTelemetry } from './fixtures/telemetry-probe.js';

type Point = { attributes: Record<string, unknown>; value: number | { count: number; sum: number } };
type Collected = Record<string, { unit: string; points: Point[] }>;

describe('telemetry with the real OpenTelemetry SDK (sdk-metrics MeterProvider + in-memory reader)', async () => {
  const { explicit, afterClose, global } = (await probeTelemetry()) as Record<
    'explicit' | 'afterClose' | 'global',
    Collected
  >;

  it('counts events with pipeline.name, strategy.name and event.name', () => {
    expect(explicit['telltale.resilience.events']).toEqual({
      unit: '{event}',
      points: [
        { attributes: { 'pipeline.name': 'checkout', 'strategy.name': 'retry', 'event.name': 'retry' }, value: 2 },
      ],
    });
  });

  it('records each attempt’s duration in seconds with its outcome and number', () => {
    const durations = explicit['telltale.resilience.attempt.duration']!;
    expect(durations.unit).toBe('s');
    const byKey = Object.fromEntries(
      durations.points.map((point) => [
        `${String(point.attributes['attempt.outcome'])}#${String(point.attributes['attempt.number'])}`,
        point.value as { count: number; sum: number },
      ]),
    );
    expect(Object.keys(byKey).sort()).toEqual(['failure#1', 'failure#2', 'success#3']);
    expect(byKey['success#3']!.count).toBe(1);
    expect(byKey['success#3']!.sum).toBeLessThan(1);
  });

  it('reports breaker state as 1 for the current state and 0 for the others, until closed', () => {
    const points = explicit['telltale.resilience.breaker.state']!.points;
    expect(Object.fromEntries(points.map((point) => [point.attributes['breaker.state'], point.value]))).toEqual({
      closed: 0,
      open: 0,
      'half-open': 0,
      isolated: 1,
    });
    expect(points.every((point) => point.attributes['strategy.name'] === 'payments')).toBe(true);
    expect(afterClose['telltale.resilience.breaker.state']?.points ?? []).toEqual([]);
  });

  it('picks up a global provider registered after the pipeline was built', () => {
    expect(global['telltale.resilience.events']?.points).toEqual([
      { attributes: { 'pipeline.name': 'early', 'strategy.name': 'retry', 'event.name': 'retry' }, value: 1 },
    ]);
  });
});
