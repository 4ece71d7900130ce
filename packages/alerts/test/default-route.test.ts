import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createManualClock, type AlertGroup, type ManualClock } from '@telltale/core';
import { createAlertEngine, type AlertEngineOptions, type CollectedSample } from '@telltale/alerts';

// Without `route`, the engine sends through the router's default route: each rule's due alerts
// go to every receiver at once, re-sent every `resendDelay`, with silences and inhibition.
const rules = `
groups:
  - name: fast
    rules:
      - alert: Load
        expr: load > 10
        labels: { severity: warning }
  - name: slow
    interval: 2m
    rules:
      - alert: Down
        expr: up == 0
        labels: { severity: critical }
`;

const inhibitRules = [
  { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['host'] },
];

function setup(clock: ManualClock, options: Partial<AlertEngineOptions> = {}) {
  const values: Record<string, number> = {};
  const sent: [number, string, string, string][] = [];
  const record = (receiver: string) => (group: AlertGroup) =>
    void sent.push([
      clock.now() / 1000,
      receiver,
      group.groupKey,
      group.alerts.map((alert) => `${alert.labels.alertname}/${alert.labels.host}:${alert.status}`).join(' '),
    ]);
  const engine = createAlertEngine({
    source: {
      collect: (): CollectedSample[] =>
        Object.entries(values).map(([key, value]) => {
          const [name, host] = key.split('/');
          return { labels: { __name__: name!, host: host! }, value };
        }),
    },
    rules,
    evaluationInterval: '1m',
    resendDelay: '2m',
    receivers: { team: record('team'), pager: { notify: record('pager'), sendResolved: false } },
    clock,
    ...options,
  });
  return { engine, values, sent, at: (seconds: number) => clock.advanceAsync(seconds * 1000 - clock.now()) };
}

describe('the default route (no route option)', () => {
  it('sends each rule’s due alerts to every receiver at once and re-sends them after resendDelay', async () => {
    const clock = createManualClock({ now: 0 });
    const t = setup(clock, { autoStart: false });
    t.values['load/b'] = 20;
    t.values['load/a'] = 30;
    const first = await t.engine.evaluate();
    // One group per rule and receiver, its alerts in the rule's order, handed over by evaluate().
    expect(first.sent.map((group) => [group.receiver, group.groupKey, group.groupLabels])).toEqual([
      ['team', '{}:{alertname="Load"}', { alertname: 'Load' }],
      ['pager', '{}:{alertname="Load"}', { alertname: 'Load' }],
    ]);
    expect(t.sent).toEqual([
      [0, 'team', '{}:{alertname="Load"}', 'Load/b:firing Load/a:firing'],
      [0, 'pager', '{}:{alertname="Load"}', 'Load/b:firing Load/a:firing'],
    ]);
    clock.advance(120_000);
    expect((await t.engine.evaluate()).sent).toEqual([]); // not after exactly resendDelay
    clock.advance(1);
    expect((await t.engine.evaluate()).sent).toHaveLength(2);
    delete t.values['load/a'];
    clock.advance(1000);
    await t.engine.evaluate();
    // The resolution goes to `team` only: `pager` has sendResolved false.
    expect(t.sent.slice(-2)).toEqual([
      [121.001, 'team', '{}:{alertname="Load"}', 'Load/a:resolved'],
      [121.001, 'pager', '{}:{alertname="Load"}', ''],
    ]);
    expect(t.engine.groups()).toEqual([]);
    await t.engine.close();
  });

  it('mutes silenced and inhibited alerts, and sends them once the mute ends', async () => {
    const clock = createManualClock({ now: 0 });
    const t = setup(clock, { inhibitRules, resendDelay: '1m' });
    const events: unknown[] = [];
    t.engine.onNotification((event) => events.push(event));
    const team = () =>
      t.sent.filter(([, receiver]) => receiver === 'team').map(([time, , , alerts]) => `${time} ${alerts}`);
    t.values['up/a'] = 0;
    t.values['load/a'] = 20;
    t.values['load/b'] = 20;
    const silence = t.engine.silence('host="b"', { until: 150_000 });
    await t.at(60); // Load fires; b is silenced, a not yet inhibited (Down is evaluated at 120 s)
    await t.at(120); // Down fires and inhibits Load/a; Load/b stays silenced
    await t.at(180); // the silence has ended: Load/b goes out; Load/a is inhibited
    expect(team()).toEqual(['60 Load/a:firing', '120 Down/a:firing', '180 Load/b:firing']);
    expect(t.engine.silences().map((item) => [item.id, item.status])).toEqual([[silence, 'expired']]);
    t.values['up/a'] = 1;
    // `slow` runs first at 240 s (its timer is the older): Down resolves, so Load/a is no longer
    // inhibited when `fast` runs; Load/b was sent 60 s ago, within resendDelay.
    await t.at(240);
    expect(team().slice(3)).toEqual(['240 Down/a:resolved', '240 Load/a:firing']);
    // Deliveries of the default route are reported by evaluate().sent, not as router events.
    expect(events).toEqual([]);
    await t.engine.close();
  });

  it('after a restart, restored firing alerts inhibit before their group is evaluated again', async () => {
    const clock = createManualClock({ now: 0 });
    const stateFile = join(mkdtempSync(join(tmpdir(), 'telltale-default-route-')), 'state.json');
    const first = setup(clock, { inhibitRules, stateFile, resendDelay: '1m' });
    first.values['load/a'] = 20;
    first.values['up/a'] = 0;
    await first.at(120); // Load/a sent at 60 s; Down/a fires at 120 s
    await first.at(180); // Load/a due again, but inhibited
    expect(first.sent.map(([time, receiver, , alerts]) => `${time} ${receiver} ${alerts}`)).toEqual([
      '60 team Load/a:firing',
      '60 pager Load/a:firing',
      '120 team Down/a:firing',
      '120 pager Down/a:firing',
    ]);
    await first.engine.close();

    const second = setup(clock, { inhibitRules, stateFile, resendDelay: '1m' });
    Object.assign(second.values, first.values);
    await second.at(240); // `fast` runs first: Down/a (group `slow`, next at 300 s) still inhibits
    expect(second.sent).toEqual([]);
    await second.at(300);
    expect(second.sent.map(([time, receiver, , alerts]) => `${time} ${receiver} ${alerts}`)).toEqual([
      '300 team Down/a:firing',
      '300 pager Down/a:firing',
    ]);
    await second.engine.close();
  });
});
