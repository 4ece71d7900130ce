import { describe, expect, it } from 'vitest';
import { createManualClock, TelltaleConfigError, type AlertGroup } from '@telltale/core';
import {
  createAlertEngine,
  createAlertRouter,
  type AlertRouterOptions,
  type CollectedSample,
  type RouterAlertInput,
} from '@telltale/alerts';

const S = 1000;
const H = 3600 * S;

/** A router on a fake clock starting at `start`, recording `[ISO time, receiver, alerts]`. */
function setup(start: string, options: Pick<AlertRouterOptions, 'route'> & Partial<AlertRouterOptions>) {
  const clock = createManualClock({ now: Date.parse(start) });
  const sent: { at: number; group: AlertGroup }[] = [];
  const record = (group: AlertGroup) => void sent.push({ at: clock.now(), group });
  const router = createAlertRouter({ receivers: { team: record, pager: record }, clock, ...options });
  const summary = () =>
    sent.map(({ at, group }) => [
      new Date(at).toISOString().slice(0, 19),
      group.receiver,
      group.alerts.map((alert) => `${alert.labels.instance}:${alert.status}`).join(' '),
    ]);
  const alert = (labels: Record<string, string>, endsAt?: number): RouterAlertInput => ({
    labels: { alertname: 'High', ...labels },
    startsAt: Date.parse(start),
    endsAt,
  });
  const until = async (iso: string) => clock.advanceAsync(Date.parse(iso) - clock.now());
  return { clock, router, sent, summary, alert, until };
}

const night = { night: [{ times: [{ start_time: '00:00', end_time: '06:00' }] }] };
const pagerMutedAtNight = {
  receiver: 'team',
  group_by: ['alertname'],
  routes: [{ receiver: 'pager', matchers: ['severity="page"'], mute_time_intervals: ['night'] }],
};

describe('createAlertRouter: mute_time_intervals and active_time_intervals', () => {
  it('a muted route sends nothing and logs nothing, so the first flush after the mute sends', async () => {
    const t = setup('2026-03-02T05:50:00Z', { route: pagerMutedAtNight, timeIntervals: night });
    t.router.put([t.alert({ instance: 'a', severity: 'page' }), t.alert({ instance: 'b', severity: 'info' })]);
    await t.until('2026-03-02T05:56:00Z');
    // The unmuted root route sends after group_wait; the pager route's flushes at 05:50:30 and 05:55:30 are muted.
    expect(t.summary()).toEqual([['2026-03-02T05:50:30', 'team', 'b:firing']]);
    expect(t.router.groups().map((group) => [group.receiver, group.timeMute, group.lastNotifiedAt])).toEqual([
      ['pager', { reason: 'mute_time_interval', intervals: ['night'] }, undefined],
      ['team', undefined, Date.parse('2026-03-02T05:50:30Z')],
    ]);
    await t.until('2026-03-02T06:10:00Z');
    expect(t.summary()).toEqual([
      ['2026-03-02T05:50:30', 'team', 'b:firing'],
      ['2026-03-02T06:00:30', 'pager', 'a:firing'],
    ]);
    expect(t.router.groups().every((group) => group.timeMute === undefined)).toBe(true);
    await t.router.close();
  });

  it('a resolve during the mute that is not re-sent is never sent; still-firing alerts wait for repeat_interval', async () => {
    const t = setup('2026-03-01T23:50:00Z', { route: pagerMutedAtNight, timeIntervals: night });
    t.router.put([t.alert({ instance: 'a', severity: 'page' }), t.alert({ instance: 'b', severity: 'page' })]);
    await t.until('2026-03-02T00:01:00Z');
    t.router.put([t.alert({ instance: 'a', severity: 'page' }, Date.parse('2026-03-02T00:01:00Z'))]);
    await t.until('2026-03-02T07:00:00Z');
    // The muted flush at 00:05:30 dropped the resolved alert a: its resolution never reaches the
    // receiver. b kept firing; the repeat due at 03:50:30 fell in the mute, so it comes at 06:00:30.
    expect(t.summary()).toEqual([
      ['2026-03-01T23:50:30', 'pager', 'a:firing b:firing'],
      ['2026-03-02T06:00:30', 'pager', 'b:firing'],
    ]);
    t.router.put([t.alert({ instance: 'b', severity: 'page' }, Date.parse('2026-03-02T07:00:00Z'))]);
    await t.until('2026-03-02T07:10:00Z');
    expect(t.summary().at(-1)).toEqual(['2026-03-02T07:00:30', 'pager', 'b:resolved']);
    expect(t.router.groups()).toEqual([]);
    await t.router.close();
  });

  it('a resolution re-sent until after the mute (as Prometheus does for 15 min) is sent when it ends', async () => {
    const t = setup('2026-03-01T23:50:00Z', { route: pagerMutedAtNight, timeIntervals: night });
    t.router.put([t.alert({ instance: 'a', severity: 'page' }), t.alert({ instance: 'b', severity: 'page' })]);
    await t.until('2026-03-02T05:50:00Z');
    // a resolves at 05:50 and its sender re-sends the resolution every minute; the muted flushes
    // at 05:50:30 and 05:55:30 drop it, the re-sent copy is in the group at 06:00:30.
    const resolvedAt = Date.parse('2026-03-02T05:50:00Z');
    for (let minute = 0; minute <= 12; minute++) {
      t.router.put([t.alert({ instance: 'a', severity: 'page' }, resolvedAt)]);
      await t.clock.advanceAsync(60 * S);
    }
    expect(t.summary()).toEqual([
      ['2026-03-01T23:50:30', 'pager', 'a:firing b:firing'],
      ['2026-03-02T06:00:30', 'pager', 'a:resolved b:firing'],
    ]);
    // Once told, further copies of the resolution are ignored.
    t.router.put([t.alert({ instance: 'a', severity: 'page' }, resolvedAt)]);
    await t.until('2026-03-02T06:20:00Z');
    expect(t.sent).toHaveLength(2);
    await t.router.close();
  });

  it('active_time_intervals: sends only inside them, read in their time zone across a DST change', async () => {
    const t = setup('2026-03-27T16:00:00Z', {
      route: {
        receiver: 'team',
        group_by: ['alertname'],
        group_interval: '1h',
        repeat_interval: '24h',
        routes: [{ receiver: 'pager', active_time_intervals: ['office'] }],
      },
      timeIntervals: [
        {
          name: 'office',
          time_intervals: [
            {
              weekdays: ['monday:friday'],
              times: [{ start_time: '09:00', end_time: '17:00' }],
              location: 'Europe/Berlin',
            },
          ],
        },
      ],
    });
    // Friday 27 March 2026, 17:00 in Berlin (CET): just outside office hours.
    t.router.put([t.alert({ instance: 'a' })]);
    await t.until('2026-03-29T12:00:00Z');
    expect(t.sent).toEqual([]);
    expect(t.router.groups()[0]!.timeMute).toEqual({ reason: 'outside_active_time_intervals', intervals: ['office'] });
    // Monday 30 March is CEST (UTC+2): 09:00 local is 07:00Z, so the 07:00:30Z tick sends (not 08:00:30Z).
    await t.until('2026-03-30T09:00:00Z');
    expect(t.summary()).toEqual([['2026-03-30T07:00:30', 'pager', 'a:firing']]);
    await t.router.close();
  });

  it('time intervals are not inherited by child routes; active and mute combine', async () => {
    const t = setup('2026-03-02T12:00:00Z', {
      route: {
        receiver: 'team',
        group_by: ['alertname', 'instance'],
        routes: [
          {
            receiver: 'team',
            matchers: ['team="db"'],
            mute_time_intervals: ['always'],
            routes: [{ receiver: 'pager', matchers: ['severity="page"'] }],
          },
          {
            receiver: 'pager',
            matchers: ['team="web"'],
            active_time_intervals: ['always'],
            mute_time_intervals: ['mondays'],
          },
          { receiver: 'pager', matchers: ['team="api"'], active_time_intervals: ['never', 'always'] },
        ],
      },
      timeIntervals: { always: [{}], never: [{ years: ['1999'] }] },
      muteTimeIntervals: [{ name: 'mondays', time_intervals: [{ weekdays: ['monday'] }] }],
    });
    t.router.put([
      t.alert({ instance: 'child', team: 'db', severity: 'page' }),
      t.alert({ instance: 'parent', team: 'db', severity: 'info' }),
      t.alert({ instance: 'web', team: 'web' }),
      t.alert({ instance: 'api', team: 'api' }),
    ]);
    await t.until('2026-03-02T12:01:00Z');
    expect(t.summary().sort()).toEqual([
      ['2026-03-02T12:00:30', 'pager', 'api:firing'],
      ['2026-03-02T12:00:30', 'pager', 'child:firing'],
    ]);
    const mutes = Object.fromEntries(
      t.router.groups().map((group) => [group.labels.instance, group.timeMute?.intervals.join() ?? '']),
    );
    expect(mutes).toEqual({ child: '', parent: 'always', web: 'mondays', api: '' });
    await t.router.close();
  });

  it('validates interval references at construction, naming the path', () => {
    const error = (options: Partial<AlertRouterOptions>) => {
      try {
        createAlertRouter({ route: { receiver: 'team' }, receivers: { team: () => {} }, ...options });
      } catch (caught) {
        if (TelltaleConfigError.isConfigError(caught)) return [caught.option, caught.expected];
        throw caught;
      }
      return undefined;
    };
    expect(error({ route: { receiver: 'team', mute_time_intervals: ['night'] }, timeIntervals: night })).toEqual([
      'route.mute_time_intervals',
      'none on the root route',
    ]);
    expect(error({ route: { receiver: 'team', active_time_intervals: ['night'] }, timeIntervals: night })).toEqual([
      'route.active_time_intervals',
      'none on the root route',
    ]);
    expect(
      error({
        route: { receiver: 'team', routes: [{ mute_time_intervals: ['night', 'weekend'] }] },
        timeIntervals: night,
      }),
    ).toEqual([
      'route.routes[0].mute_time_intervals[1]',
      'a time interval defined in timeIntervals or muteTimeIntervals',
    ]);
    expect(error({ route: { receiver: 'team', routes: [{ active_time_intervals: 'night' as never }] } })).toEqual([
      'route.routes[0].active_time_intervals',
      'an array of time interval names',
    ]);
    expect(
      error({ timeIntervals: { business_hours: [{ times: [{ start_time: '9am', end_time: '17:00' }] }] } })?.[0],
    ).toBe('timeIntervals.business_hours[0].times[0].start_time');
    expect(error({ muteTimeIntervals: [{ name: 'x', time_intervals: [{ months: ['smarch'] }] }] })?.[0]).toBe(
      'muteTimeIntervals[0].time_intervals[0].months[0]',
    );
  });
});

describe('createAlertEngine: time intervals', () => {
  it('passes them to the router and shows the mute in state().groups', async () => {
    const clock = createManualClock({ now: Date.parse('2026-03-02T05:00:00Z') });
    const sent: string[] = [];
    const engine = createAlertEngine({
      source: { collect: (): CollectedSample[] => [{ labels: { __name__: 'up', host: 'a' }, value: 0 }] },
      rules: 'groups: [{ name: g, rules: [{ alert: Down, expr: up == 0, labels: { severity: page } }] }]',
      receivers: { team: () => {}, pager: () => void sent.push(new Date(clock.now()).toISOString()) },
      route: pagerMutedAtNight,
      timeIntervals: night,
      clock,
      autoStart: false,
    });
    await engine.evaluate();
    await clock.advanceAsync(31 * S);
    expect(sent).toEqual([]);
    expect(engine.state().groups.map((group) => group.timeMute)).toEqual([
      { reason: 'mute_time_interval', intervals: ['night'] },
    ]);
    await clock.advanceAsync(H);
    expect(sent).toEqual(['2026-03-02T06:00:30.000Z']);
    expect(engine.state().groups[0]!.timeMute).toBeUndefined();
    await engine.close();
  });

  it('sends a resolution from during the mute when it ends within the 15 min the engine re-sends it', async () => {
    const clock = createManualClock({ now: Date.parse('2026-03-01T23:50:00Z') });
    const up: Record<string, number> = { a: 0, b: 0 };
    const sent: string[] = [];
    const engine = createAlertEngine({
      source: {
        collect: (): CollectedSample[] =>
          Object.entries(up).map(([host, value]) => ({ labels: { __name__: 'up', host }, value })),
      },
      rules: 'groups: [{ name: g, rules: [{ alert: Down, expr: up == 0, labels: { severity: page } }] }]',
      receivers: {
        team: () => {},
        pager: (group) =>
          void sent.push(
            `${new Date(clock.now()).toISOString().slice(11, 19)} ${group.status} ${group.groupLabels.host}`,
          ),
      },
      route: { ...pagerMutedAtNight, group_by: ['alertname', 'host'] },
      timeIntervals: night,
      clock,
    });
    const until = (iso: string) => clock.advanceAsync(Date.parse(iso) - clock.now());
    await until('2026-03-01T23:55:00Z');
    expect(sent.sort()).toEqual(['23:51:30 firing a', '23:51:30 firing b']);
    await until('2026-03-02T05:29:30Z');
    up.b = 1; // resolves at 05:30; re-sent until 05:45, all inside the mute: its resolution is lost
    await until('2026-03-02T05:49:30Z');
    up.a = 1; // resolves at 05:50; the copy put at 06:00:00 flushes at once, outside the mute
    await until('2026-03-02T07:00:00Z');
    expect(sent).toEqual(['23:51:30 firing a', '23:51:30 firing b', '06:00:00 resolved a']);
    await engine.close();
  });

  it('rejects a broken interval even without a route', () => {
    expect(() =>
      createAlertEngine({
        source: { collect: () => [] },
        rules: 'groups: []',
        timeIntervals: { weekend: [{ weekdays: ['saturday:sunday'] }] },
        autoStart: false,
      }),
    ).toThrow(/timeIntervals\.weekend\[0\]\.weekdays\[0\]/);
  });
});
