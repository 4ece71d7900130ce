import { describe, expect, it } from 'vitest';
import { probeTelemetry } from './fixtures/telemetry-probe.js';

describe('telemetry with the real OpenTelemetry SDK', async () => {
  const collected = await probeTelemetry();

  it('records each attempt in telltale.stt.request.duration (seconds) by provider and outcome', () => {
    const durations = collected['telltale.stt.request.duration']!;
    expect(durations.unit).toBe('s');
    expect(durations.points.map((point) => point.attributes)).toEqual(
      expect.arrayContaining([
        { provider: 'primary', outcome: 'permanent' },
        { provider: 'backup', outcome: 'success' },
      ]),
    );
    expect(durations.points.every((point) => (point.value as { count: number }).count === 1)).toBe(true);
  });

  it('counts fallbacks by provider and reason, and audio seconds by provider', () => {
    expect(collected['telltale.stt.fallbacks']!.points).toEqual([
      { attributes: { provider: 'primary', reason: 'permanent' }, value: 1 },
    ]);
    expect(collected['telltale.stt.audio.duration']).toEqual({
      unit: 's',
      points: [{ attributes: { provider: 'backup' }, value: 1.5 }],
    });
  });

  it('reports breaker state per provider once, on the breakers’ own telltale.resilience.breaker.state gauge', () => {
    const states = collected['telltale.resilience.breaker.state']!.points;
    expect(states).toContainEqual({
      attributes: { 'strategy.name': 'stt.primary', 'breaker.state': 'isolated' },
      value: 1,
    });
    expect(states).toContainEqual({
      attributes: { 'strategy.name': 'stt.primary', 'breaker.state': 'closed' },
      value: 0,
    });
    expect(states).toContainEqual({
      attributes: { 'strategy.name': 'stt.backup', 'breaker.state': 'closed' },
      value: 1,
    });
    expect(collected['telltale.stt.breaker.state']).toBeUndefined();
  });
});
