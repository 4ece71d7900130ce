import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createManualClock, TelltaleConfigError } from '@telltale/core';
import { createAlertEngine, type AlertEngineOptions } from '@telltale/alerts';

function setup(extra: Partial<AlertEngineOptions> = {}) {
  const clock = createManualClock({ now: 0 });
  let value = 0;
  const sent: string[] = [];
  const engine = createAlertEngine({
    source: { collect: () => [{ labels: { __name__: 'job_duration_seconds', job: 'export' }, value }] },
    rules: 'groups: []',
    receivers: {
      oncall: (group) =>
        void sent.push(
          `${clock.now() / 60_000}m ${group.alerts.map((alert) => `${alert.labels.severity}:${alert.status}`).join(' ')}`,
        ),
    },
    route: { receiver: 'oncall', group_by: ['alertname', 'severity'], group_wait: '0s', group_interval: '1m' },
    regressions: [
      { name: 'ExportSlower', expr: 'job_duration_seconds', baselineSamples: 3, window: 2, severity: { critical: 5 } },
    ],
    clock,
    autoStart: false,
    ...extra,
  });
  const step = async (next: number) => {
    await clock.advanceAsync(60_000);
    value = next;
    await engine.evaluate();
  };
  return { engine, sent, step };
}

describe('regression rules', () => {
  it('learns a baseline, alerts when the window is >10% slower, grades severity, reports the trend', async () => {
    const t = setup();
    for (const value of [1, 1, 1.2]) await t.step(value);
    expect(t.engine.state().regressions).toEqual([
      expect.objectContaining({
        rule: 'ExportSlower',
        labels: { job: 'export' },
        baseline: 1,
        current: undefined,
        regressed: false,
        samples: 3,
      }),
    ]);
    await t.step(1.05); // current 1.05: +5 %
    expect(t.engine.state().regressions[0]).toMatchObject({ current: 1.05, regressed: false, trend: undefined });
    await t.step(1.3); // current mean(1.05, 1.3) = 1.175: +17.5 %
    await t.step(1.4);
    await t.step(6);
    expect(t.engine.state().regressions[0]).toMatchObject({ current: 3.7, regressed: true, trend: 'degrading' });
    await t.step(6); // current 6 ≥ 5: critical
    await t.step(1);
    await t.step(1);
    expect(t.engine.state().regressions[0]).toMatchObject({ current: 1, regressed: false, trend: 'improving' });
    await t.step(1);
    await t.step(1);
    expect(t.engine.state().regressions[0]).toMatchObject({ trend: 'stable' });
    // Each evaluation happens at the minute mark; group_wait 0 sends a new group at that minute,
    // changes of an existing group go out at its next group_interval tick.
    expect(t.sent).toEqual([
      '5m warning:firing',
      '8m critical:firing',
      '9m warning:resolved',
      '9m warning:firing',
      '10m critical:resolved',
      '11m warning:resolved',
    ]);
    await t.engine.close();
  });

  it('needs a route', () => {
    expect(() => setup({ route: undefined })).toThrow(TelltaleConfigError);
    expect(() => setup({ regressions: [{ name: 'X', expr: 'rate(' }] })).toThrow(/regressions\[0\]\.expr/);
  });
  it('keeps baselines and recent windows in the state file across a restart', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'telltale-regressions-')), 'state.json');
    const first = setup({ stateFile });
    for (const value of [1, 1, 1.2, 1.05]) await first.step(value);
    await first.engine.close();

    // Without the saved baseline the new process would need 3 samples to learn it again, and
    // would learn it from the slow values.
    const second = setup({ stateFile });
    expect(second.engine.state().regressions).toEqual([
      expect.objectContaining({ baseline: 1, current: 1.05, samples: 4 }),
    ]);
    await second.step(2);
    expect(second.engine.state().regressions[0]).toMatchObject({ baseline: 1, current: 1.525, regressed: true });
    await second.engine.close();
  });
});
