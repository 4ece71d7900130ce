import { describe, expect, it } from 'vitest';
import { createManualClock, TelltaleConfigError, TelltaleError, type AlertGroup } from '@telltale/core';
import { createAlertRouter, parseMatchers, type AlertRouterOptions, type RouterAlertInput } from '@telltale/alerts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** A router on a fake clock whose receivers record `[seconds, receiver, status, alerts]`. */
function setup(options: Partial<AlertRouterOptions> & { failures?: number } = {}) {
  const clock = createManualClock({ now: 0 });
  const sent: { at: number; group: AlertGroup }[] = [];
  let failures = options.failures ?? 0;
  const record = (group: AlertGroup) => {
    if (failures > 0) {
      failures--;
      throw new Error('receiver down');
    }
    sent.push({ at: clock.now(), group });
  };
  const router = createAlertRouter({
    route: { receiver: 'team', group_by: ['alertname'] },
    receivers: { team: record, pager: record },
    clock,
    ...options,
  });
  const summary = () =>
    sent.map(({ at, group }) => [
      at / S,
      group.receiver,
      group.status,
      group.alerts.map((alert) => `${alert.labels.instance ?? alert.labels.severity ?? ''}:${alert.status}`).join(' '),
    ]);
  const alert = (labels: Record<string, string>, startsAt = clock.now(), endsAt?: number): RouterAlertInput => ({
    labels: { alertname: 'High', ...labels },
    annotations: { summary: `high on ${labels.instance ?? '?'}` },
    startsAt,
    endsAt,
  });
  const at = async (seconds: number) => clock.advanceAsync(seconds * S - clock.now());
  return { clock, router, sent, summary, alert, at };
}

describe('createAlertRouter: Alertmanager grouping and repeat behaviour', () => {
  it('group_wait, a new alert inside a group, a resolve, a repeat, the final resolve', async () => {
    const t = setup();
    t.router.put([t.alert({ instance: 'a' })]);
    await t.at(29);
    expect(t.sent).toEqual([]);
    await t.at(30); // group_wait
    await t.at(60);
    t.router.put([t.alert({ instance: 'b' })]); // joins the group: waits for the next group_interval tick
    await t.at(329);
    expect(t.summary()).toEqual([[30, 'team', 'firing', 'a:firing']]);
    await t.at(330);
    await t.at(400);
    t.router.put([t.alert({ instance: 'a' }, 0, 400 * S)]);
    await t.at(630);
    // Nothing changes after 630 s: the repeat comes at the first tick strictly after 4 h.
    await t.at(630 + 4 * 3600);
    await t.at(630 + 4 * 3600 + 300);
    await t.at(15_400);
    t.router.put([t.alert({ instance: 'b' }, 60 * S, 15_400 * S)]);
    await t.at(16_000);
    expect(t.summary()).toEqual([
      [30, 'team', 'firing', 'a:firing'],
      [330, 'team', 'firing', 'a:firing b:firing'],
      [630, 'team', 'firing', 'a:resolved b:firing'],
      [15_330, 'team', 'firing', 'b:firing'],
      [15_630, 'team', 'resolved', 'b:resolved'],
    ]);
    // The empty group is gone and leaves no timer behind.
    expect(t.router.groups()).toEqual([]);
    expect(t.clock.pendingTimers()).toBe(0);
  });

  it('builds the v4 payload as Alertmanager does', async () => {
    const t = setup({ externalURL: 'http://am.example', receivers: { team: { notify: () => {}, maxAlerts: 1 } } });
    const payloads: AlertGroup[] = [];
    t.router.onNotification((event) => payloads.push(event.payload));
    t.router.put([
      { ...t.alert({ instance: 'b', job: 'api', severity: 'page' }), generatorURL: 'http://prom/graph' },
      t.alert({ instance: 'a', job: 'api', severity: 'page' }),
    ]);
    await t.at(30);
    expect(payloads).toEqual([
      {
        version: '4',
        groupKey: '{}:{alertname="High"}',
        truncatedAlerts: 1,
        status: 'firing',
        receiver: 'team',
        groupLabels: { alertname: 'High' },
        commonLabels: { alertname: 'High', instance: 'a', job: 'api', severity: 'page' },
        commonAnnotations: { summary: 'high on a' },
        externalURL: 'http://am.example',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'High', instance: 'a', job: 'api', severity: 'page' },
            annotations: { summary: 'high on a' },
            startsAt: '1970-01-01T00:00:00.000Z',
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: '',
            fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
          },
        ],
      },
    ]);
  });

  it('routes through the tree: matchers, continue, inherited group_by, group_by ..., route keys', async () => {
    const t = setup({
      route: {
        receiver: 'team',
        group_by: ['alertname'],
        routes: [
          {
            receiver: 'pager',
            matchers: ['severity=~"critical|page"', 'team!="db"'],
            continue: true,
            group_wait: '10s',
          },
          { receiver: 'team', matchers: 'severity=~"crit.*"', group_by: ['...'] },
        ],
      },
    });
    t.router.put([t.alert({ severity: 'critical', instance: 'a' })]);
    t.router.put([t.alert({ severity: 'pager', instance: 'b' })]); // not "page": regexes are anchored
    await t.at(30);
    expect(t.sent.map(({ at, group }) => [at / S, group.receiver, group.groupKey, group.alerts.length])).toEqual([
      [10, 'pager', '{}/{severity=~"critical|page",team!="db"}:{alertname="High"}', 1],
      [30, 'team', '{}/{severity=~"crit.*"}:{alertname="High", instance="a", severity="critical"}', 1],
      [30, 'team', '{}:{alertname="High"}', 1],
    ]);
    expect(t.sent[2]!.group.alerts[0]!.labels.instance).toBe('b');
  });

  it('sends nothing for alerts that fired and resolved before anyone was told', async () => {
    const t = setup();
    t.router.put([t.alert({ instance: 'a' })]);
    await t.at(10);
    t.router.put([t.alert({ instance: 'a' }, 0, 10 * S)]);
    await t.at(400);
    expect(t.sent).toEqual([]);
    expect(t.router.groups()).toEqual([]);
  });

  it('flushes at once a new group whose alert is older than group_wait', async () => {
    const t = setup();
    await t.at(100);
    t.router.put([t.alert({ instance: 'a' }, 0)]);
    await t.at(100);
    expect(t.summary()).toEqual([[100, 'team', 'firing', 'a:firing']]);
  });

  it('with sendResolved false, the resolution is logged but not sent', async () => {
    const t = setup({
      receivers: { team: { notify: (group) => void t.sent.push({ at: t.clock.now(), group }), sendResolved: false } },
    });
    t.router.put([t.alert({ instance: 'a' }), t.alert({ instance: 'b' })]);
    await t.at(30);
    t.router.put([t.alert({ instance: 'a' }, 0, 31 * S)]);
    await t.at(330);
    t.router.put([t.alert({ instance: 'b' }, 0, 331 * S)]);
    await t.at(700);
    expect(t.summary()).toEqual([[30, 'team', 'firing', 'a:firing b:firing']]);
  });
});

describe('createAlertRouter: inhibition', () => {
  const inhibitRules = [
    { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname'] },
  ];

  it('a firing critical alert mutes the warning with the same alertname until it resolves', async () => {
    const t = setup({ route: { receiver: 'team', group_by: ['alertname', 'severity'] }, inhibitRules });
    t.router.put([
      t.alert({ severity: 'critical' }),
      t.alert({ severity: 'warning' }),
      { labels: { alertname: 'Other', severity: 'warning' }, startsAt: 0 },
    ]);
    await t.at(30);
    expect(t.summary()).toEqual([
      [30, 'team', 'firing', 'critical:firing'],
      [30, 'team', 'firing', 'warning:firing'],
    ]);
    expect(t.sent.map(({ group }) => group.groupLabels)).toEqual([
      { alertname: 'High', severity: 'critical' },
      { alertname: 'Other', severity: 'warning' },
    ]);
    expect(
      t.router.groups().find((group) => group.labels.severity === 'warning' && group.labels.alertname === 'High')!
        .alerts[0]!.mutedBy,
    ).toBe('inhibition');
    t.router.put([t.alert({ severity: 'critical' }, 0, 100 * S)]);
    await t.at(330);
    expect(t.summary().slice(2)).toEqual([
      [330, 'team', 'resolved', 'critical:resolved'],
      [330, 'team', 'firing', 'warning:firing'],
    ]);
  });

  it('an alert matching both sides is not inhibited by itself or by another two-sided alert', async () => {
    const t = setup({
      inhibitRules: [
        {
          source_matchers: 'severity=~"critical|warning"',
          target_matchers: 'severity=~"warning|info"',
          equal: ['alertname'],
        },
      ],
    });
    t.router.put([t.alert({ severity: 'warning' }), t.alert({ severity: 'info' })]);
    await t.at(30);
    expect(t.summary()).toEqual([[30, 'team', 'firing', 'warning:firing']]);
  });
});

describe('createAlertRouter: silences', () => {
  it('mutes matching alerts until the silence expires by itself, then notifies at the next tick', async () => {
    const t = setup();
    const id = t.router.silence('instance="a"', { until: 600 * S, comment: 'deploy', author: 'ana' });
    t.router.put([t.alert({ instance: 'a' })]);
    await t.at(30);
    expect(t.sent).toEqual([]);
    expect(t.router.silences()).toEqual([
      {
        id,
        matchers: '{instance="a"}',
        startsAt: 0,
        endsAt: 600 * S,
        comment: 'deploy',
        author: 'ana',
        status: 'active',
      },
    ]);
    await t.at(700);
    expect(t.summary()).toEqual([[630, 'team', 'firing', 'a:firing']]);
    expect(t.router.silences()[0]!.status).toBe('expired');
  });

  it('a silenced alert joining a notified group is left out; expireSilence ends it at once', async () => {
    const t = setup();
    t.router.put([t.alert({ instance: 'a' })]);
    const id = t.router.silence([{ name: 'instance', operator: '=~', value: 'b|c' }], { until: new Date(H) });
    t.router.put([t.alert({ instance: 'b' })]);
    await t.at(330);
    expect(t.summary()).toEqual([[30, 'team', 'firing', 'a:firing']]);
    expect(t.router.expireSilence(id)).toBe(true);
    expect(t.router.expireSilence(id)).toBe(false);
    await t.at(630);
    expect(t.summary()).toEqual([
      [30, 'team', 'firing', 'a:firing'],
      [630, 'team', 'firing', 'a:firing b:firing'],
    ]);
  });

  it('rejects silences without matchers or end', () => {
    const t = setup();
    expect(() => t.router.silence([], { until: H })).toThrow(TelltaleError);
    expect(() => t.router.silence('a="b"', { until: 0 })).toThrow(/future/);
    expect(() => t.router.silence('a=', { until: 'x' as unknown as number })).toThrow(/time/);
  });
});

describe('createAlertRouter: delivery', () => {
  it('retries a failing receiver with backoff without blocking other groups', async () => {
    const t = setup({ failures: 2 });
    const attempts: [number, string, number][] = [];
    t.router.onNotification((event) => attempts.push([event.time / S, event.outcome, event.attempt]));
    t.router.put([t.alert({ instance: 'a' })]);
    await t.at(40);
    expect(attempts).toEqual([
      [30, 'failure', 1],
      [31, 'failure', 2],
      [33, 'success', 3],
    ]);
    expect(t.summary()).toEqual([[33, 'team', 'firing', 'a:firing']]);
  });

  it('gives up within group_interval and tries again at the next tick', async () => {
    const t = setup({ failures: 9, retry: { initialDelay: '1m', maxDelay: '2m' } });
    const failures: number[] = [];
    t.router.onNotification((event) => event.outcome === 'failure' && failures.push(event.time / S));
    t.router.put([t.alert({ instance: 'a' })]);
    await t.at(700);
    t.router.put([t.alert({ instance: 'b' })]);
    await t.at(1000);
    // Each flush retries after 1 m, then 2 m, and gives up when the next wait would pass its 5 m tick.
    expect(failures).toEqual([30, 90, 210, 330, 390, 510, 630, 690, 810]);
    expect(t.summary()).toEqual([[930, 'team', 'firing', 'a:firing b:firing']]);
  });

  it('holds repeat notifications of a group for the cooldown of its severity', async () => {
    const t = setup({ cooldowns: { critical: '10m', warning: '30m' } });
    t.router.put([t.alert({ instance: 'a', severity: 'critical' })]);
    await t.at(60);
    t.router.put([t.alert({ instance: 'b', severity: 'warning' })]);
    await t.at(700);
    expect(t.summary()).toEqual([
      [30, 'team', 'firing', 'a:firing'],
      [630, 'team', 'firing', 'a:firing b:firing'],
    ]);
  });
});

describe('matchers and configuration', () => {
  it('parses Alertmanager matcher syntax', () => {
    expect(
      parseMatchers('{alertname="High", severity=~"critical|page", x!~"a,b", y!=z, q="say \\"hi\\""}'),
    ).toMatchObject([
      { name: 'alertname', operator: '=', value: 'High' },
      { name: 'severity', operator: '=~', value: 'critical|page' },
      { name: 'x', operator: '!~', value: 'a,b' },
      { name: 'y', operator: '!=', value: 'z' },
      { name: 'q', operator: '=', value: 'say "hi"' },
    ]);
    expect(() => parseMatchers('severity=~"("')).toThrow(TelltaleError);
    expect(() => parseMatchers('severity')).toThrow(/op one of/);
  });

  it('rejects invalid routes at construction', () => {
    expect(() => setup({ route: { receiver: 'nobody' } })).toThrow(TelltaleConfigError);
    expect(() => setup({ route: { receiver: 'team', routes: [{ matchers: ['a=~"("'] }] } })).toThrow(
      /route.routes\[0\].matchers/,
    );
    expect(() => setup({ route: { receiver: 'team', group_by: ['...', 'x'] } })).toThrow(TelltaleConfigError);
    expect(() => setup({ route: { receiver: 'team', group_interval: '0s' } })).toThrow(TelltaleConfigError);
  });
});
