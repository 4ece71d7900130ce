import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createManualClock, type AlertGroup, type ManualClock } from '@telltale/core';
import { createAlertEngine, type AlertEngineOptions, type CollectedSample } from '@telltale/alerts';

const rules = `
groups:
  - name: g
    rules:
      - alert: High
        expr: load > 10
        for: 1m
`;

function engineOn(
  clock: ManualClock,
  stateFile: string,
  values: Record<string, number>,
  sent: [number, string][],
  extra: Partial<AlertEngineOptions> = {},
) {
  return createAlertEngine({
    source: {
      collect: (): CollectedSample[] =>
        Object.entries(values).map(([host, value]) => ({ labels: { __name__: 'load', host }, value })),
    },
    rules,
    evaluationInterval: '1m',
    receivers: {
      oncall: (group: AlertGroup) =>
        void sent.push([
          clock.now() / 1000,
          group.alerts.map((alert) => `${alert.labels.host}:${alert.status}`).join(' '),
        ]),
    },
    route: { receiver: 'oncall', group_by: ['alertname'] },
    clock,
    stateFile,
    ...extra,
  });
}

describe('stateFile', () => {
  it('a restart neither re-pages for alerts already sent nor forgets their resolution', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'telltale-alerts-')), 'state.json');
    const clock = createManualClock({ now: 0 });
    const at = (seconds: number) => clock.advanceAsync(seconds * 1000 - clock.now());
    const values: Record<string, number> = { a: 20 };
    const sent: [number, string][] = [];
    const first = engineOn(clock, file, values, sent);
    await at(60); // pending
    await at(120); // firing, sent at 150 s
    await at(200);
    const silence = first.silence('host="b"', { until: 3_600_000, comment: 'known', author: 'ops' });
    await first.close();
    expect(sent).toEqual([[150, 'a:firing']]);
    expect(readdirSync(join(file, '..'))).toEqual(['state.json']); // no temporary file left behind

    // A second instance on the same file: a and b keep firing, a must not be paged again.
    values.b = 20;
    const second = engineOn(clock, file, values, sent);
    expect(second.alerts().map((alert) => [alert.labels.host, alert.state])).toEqual([['a', 'firing']]);
    expect(second.silences().map((item) => [item.id, item.status])).toEqual([[silence, 'active']]);
    await at(900);
    expect(sent).toEqual([[150, 'a:firing']]); // b is silenced, a already sent
    delete values.a;
    delete values.b;
    await at(1500);
    await second.close();
    // The restored group flushed (silently) at 200 s; a resolves at the 920 s evaluation and is sent
    // at the group's next group_interval tick.
    expect(sent).toEqual([
      [150, 'a:firing'],
      [1100, 'a:resolved'],
    ]);

    // A third instance has nothing left to send.
    const third = engineOn(clock, file, values, sent);
    await at(3000);
    await third.close();
    expect(sent).toHaveLength(2);
  });

  it('saves after a delivery without close (a killed process) and ignores unreadable files', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'telltale-alerts-')), 'state.json');
    const clock = createManualClock({ now: 0 });
    const values: Record<string, number> = { a: 20 };
    const sent: [number, string][] = [];
    const first = engineOn(clock, file, values, sent, { autoStart: false });
    clock.setTime(60_000);
    await first.evaluate();
    clock.setTime(120_000);
    await first.evaluate();
    await clock.advanceAsync(30_000);
    expect(sent).toEqual([[150, 'a:firing']]);
    await first.saveState();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { version: number; router: { notificationLog: object } };
    expect(saved.version).toBe(1);
    expect(Object.keys(saved.router.notificationLog)).toEqual(['{}:{alertname="High"}\u0000oncall']);

    writeFileSync(file, '{ not json');
    const warnings: string[] = [];
    const fresh = engineOn(clock, file, values, sent, {
      autoStart: false,
      logger: { warn: (_object: unknown, message?: string) => void warnings.push(message ?? '') },
    });
    expect(fresh.alerts()).toEqual([]);
    expect(warnings).toEqual(['alert engine: corrupt state file ignored; starting empty']);
    await fresh.close();
  });
  it('holds restored alerts until a rate() window has fresh samples, so a restart sends no false resolution', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'telltale-alerts-')), 'state.json');
    const clock = createManualClock({ now: 0 });
    const at = (seconds: number) => clock.advanceAsync(seconds * 1000 - clock.now());
    let errors = 0;
    let perSecond = 1; // the incident: one error per second
    const sent: [number, string][] = [];
    const start = () =>
      createAlertEngine({
        source: {
          collect: (): CollectedSample[] => [
            { labels: { __name__: 'errors_total' }, value: (errors += perSecond * 60) },
          ],
        },
        rules: 'groups: [{ name: g, rules: [{ alert: Errors, expr: "rate(errors_total[5m]) > 0.5", for: 5m }] }]',
        evaluationInterval: '1m',
        receivers: {
          oncall: (group: AlertGroup) =>
            void sent.push([clock.now() / 1000, group.alerts.map((alert) => alert.status).join(' ')]),
        },
        route: { receiver: 'oncall', group_by: ['alertname'], group_interval: '1m' },
        clock,
        stateFile: file,
      });
    const first = start();
    await at(600);
    await first.close();
    expect(sent).toEqual([[570, 'firing']]); // pending at 240 s (rate() extrapolation), firing at 540 s, + group_wait

    // The new process's series store is empty: rate() has nothing for a minute. Without the hold
    // the alert would resolve (a false "resolved" page), then fire 5 minutes later (a second page).
    errors = 0;
    const second = start();
    await at(1500);
    expect(second.alerts().map((alert) => alert.state)).toEqual(['firing']);
    expect(sent).toEqual([[570, 'firing']]);
    perSecond = 0; // recovered: the rate drops to zero once the window has only flat samples
    await at(2400);
    await second.close();
    // Real recovery still resolves: the rate falls under 0.5 as flat samples fill the window.
    expect(sent).toEqual([
      [570, 'firing'],
      [1620, 'resolved'],
    ]);
  });
});
