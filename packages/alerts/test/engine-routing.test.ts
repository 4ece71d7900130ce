import { describe, expect, it } from 'vitest';
import { createManualClock, type AlertGroup } from '@telltale/core';
import { createAlertEngine, type AlertEngineOptions, type CollectedSample } from '@telltale/alerts';

const rules = `
groups:
  - name: g
    rules:
      - alert: High
        expr: load > 10
        labels: { severity: warning }
      - alert: Down
        expr: up == 0
        labels: { severity: critical }
`;

function setup(options: Partial<AlertEngineOptions> = {}) {
  const clock = createManualClock({ now: 0 });
  const values: Record<string, number> = {};
  const sent: [number, string, string, string][] = [];
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
    receivers: {
      oncall: (group: AlertGroup) =>
        void sent.push([
          clock.now() / 1000,
          group.groupKey,
          group.status,
          group.alerts.map((alert) => `${alert.labels.alertname}/${alert.labels.host}:${alert.status}`).join(' '),
        ]),
    },
    clock,
    ...options,
  });
  return { clock, engine, values, sent, at: (seconds: number) => clock.advanceAsync(seconds * 1000 - clock.now()) };
}

describe('createAlertEngine with a route', () => {
  it('groups alerts of the rules, repeats, resolves, and honours silences and inhibition', async () => {
    const t = setup({
      route: { receiver: 'oncall', group_by: ['host'], repeat_interval: '1h' },
      inhibitRules: [
        { source_matchers: ['alertname="Down"'], target_matchers: ['severity="warning"'], equal: ['host'] },
      ],
    });
    t.values['load/a'] = 20;
    t.values['up/a'] = 1;
    await t.at(60); // fires at the 60 s evaluation; group_wait 30 s
    await t.at(120);
    t.values['load/b'] = 20;
    await t.at(200);
    t.values['up/a'] = 0; // Down on host a inhibits High on host a
    await t.at(400);
    t.values['up/a'] = 1;
    await t.at(900);
    const id = t.engine.silence('host="b"', { until: 10_000_000, author: 'ops', comment: 'maintenance' });
    t.values['load/b'] = 1;
    await t.at(1000);
    await t.at(3600 + 400);
    expect(t.engine.expireSilence(id)).toBe(true);
    await t.at(5000);
    expect(t.sent).toEqual([
      [90, '{}:{host="a"}', 'firing', 'High/a:firing'],
      [210, '{}:{host="b"}', 'firing', 'High/b:firing'],
      // Down fires at 240 s: the group changed; High/a is inhibited and left out.
      [390, '{}:{host="a"}', 'firing', 'Down/a:firing'],
      // Down resolved at 420 s; High/a is back (it was not in the last notification).
      [690, '{}:{host="a"}', 'firing', 'Down/a:resolved High/a:firing'],
      // High/b resolved under a silence: nothing is sent for host b. Host a repeats at the first
      // group_interval tick strictly more than 1 h after 690 s (4290 s is exactly 1 h: not yet).
      [4590, '{}:{host="a"}', 'firing', 'High/a:firing'],
    ]);
    expect(t.engine.groups().map((group) => group.groupKey)).toEqual(['{}:{host="a"}']);
    await t.engine.close();
  });

  it('keeps the per-rule behaviour without a route, with silences applied', async () => {
    const t = setup();
    t.values['load/a'] = 20;
    const id = t.engine.silence(['alertname="High"'], { until: 150_000 });
    await t.at(120);
    expect(t.sent).toEqual([]);
    expect(t.engine.silences()[0]!.id).toBe(id);
    await t.at(180);
    expect(t.sent).toEqual([[180, '{}:{alertname="High"}', 'firing', 'High/a:firing']]);
    await t.engine.close();
  });
  it('resolves alerts the rule dropped without resolving them (group limit exceeded)', async () => {
    const t = setup({
      rules: 'groups: [{ name: g, limit: 1, rules: [{ alert: High, expr: "load > 10" }] }]',
      route: { receiver: 'oncall', group_by: ['alertname'], group_interval: '1m' },
    });
    t.values['load/a'] = 20;
    await t.at(120); // fires at 60 s, sent at 90 s
    t.values['load/b'] = 20; // two alerts > limit 1: Prometheus fails the rule and drops both
    await t.at(240); // dropped at the 180 s evaluation, sent at the group's 210 s tick
    expect(t.engine.state().rules[0]).toMatchObject({ health: 'error' });
    expect(t.sent.map(([time, , status, alerts]) => [time, status, alerts])).toEqual([
      [90, 'firing', 'High/a:firing'],
      [210, 'resolved', 'High/a:resolved'],
    ]);
    await t.engine.close();
  });
});
