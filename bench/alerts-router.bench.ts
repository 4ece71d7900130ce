// Router cost: 20,000 alerts in 1,000 groups (group_by alertname, service), two inhibition rules
// and 20 silences, on a fake clock. Anchor: JSON-encoding every alert once (the least an
// Alertmanager ingesting them over HTTP does), measured in the same run. The same flush is also
// measured through a route with a Europe/Berlin mute_time_interval, outside it and inside it.
import { createManualClock, type Clock } from '@telltale/core';
import { createAlertRouter, type RouterAlertInput } from '@telltale/alerts';
import { cpuMicros, median, report, saveResults } from './harness.js';

const ALERTS = 20_000;
const alerts: RouterAlertInput[] = Array.from({ length: ALERTS }, (_, index) => ({
  labels: {
    alertname: `Alert${index % 50}`,
    service: `svc${Math.floor(index / 50) % 20}`,
    instance: `host-${index}`,
    severity: index % 3 === 0 ? 'critical' : 'warning',
  },
  annotations: { summary: `alert ${index}` },
  startsAt: 0,
}));

const runs = {
  anchor: [] as number[],
  put: [] as number[],
  flush: [] as number[],
  reput: [] as number[],
  timed: [] as number[],
  muted: [] as number[],
};
let notifications = 0;
/** The router under test; with `quietOn`, its alerts go through a route muted on that weekday in Berlin. */
function createRouter(clock: Clock, quietOn?: string) {
  const router = createAlertRouter({
    route: {
      receiver: 'team',
      group_by: ['alertname', 'service'],
      routes: quietOn ? [{ receiver: 'team', matchers: ['alertname=~"Alert.*"'], mute_time_intervals: ['quiet'] }] : [],
    },
    receivers: { team: () => void notifications++ },
    inhibitRules: [
      {
        source_matchers: ['severity="critical"', 'alertname="Alert0"'],
        target_matchers: ['severity="warning"'],
        equal: ['service', 'instance'],
      },
      { source_matchers: ['alertname="Outage"'], target_matchers: ['severity=~"warning|info"'], equal: ['service'] },
    ],
    timeIntervals: quietOn ? { quiet: [{ weekdays: [quietOn], location: 'Europe/Berlin' }] } : undefined,
    clock,
  });
  for (let index = 0; index < 20; index++) router.silence(`instance="host-${index * 997}"`, { until: 3_600_000 });
  return router;
}
for (let run = 0; run < 5; run++) {
  runs.anchor.push(await cpuMicros(() => void alerts.map((alert) => JSON.stringify(alert))));
  const clock = createManualClock({ now: 0 });
  const router = createRouter(clock);
  runs.put.push(await cpuMicros(() => router.put(alerts)));
  runs.flush.push(await cpuMicros(async () => void (await clock.advanceAsync(30_000))));
  runs.reput.push(await cpuMicros(() => router.put(alerts)));
  await router.close();
  // Time 0 is Thursday 1 January 1970, 01:00 in Berlin.
  for (const [weekday, target] of [
    ['saturday', runs.timed],
    ['thursday', runs.muted],
  ] as const) {
    const timedClock = createManualClock({ now: 0 });
    const timed = createRouter(timedClock, weekday);
    timed.put(alerts);
    target.push(await cpuMicros(async () => void (await timedClock.advanceAsync(30_000))));
    await timed.close();
  }
}
const ms = (values: number[]) => median(values) / 1000;
const rows = {
  'anchor: JSON-encode every alert': ms(runs.anchor),
  'put 20,000 new alerts': ms(runs.put),
  'first flush of 1,000 groups': ms(runs.flush),
  're-put 20,000 unchanged alerts': ms(runs.reput),
  'first flush, mute interval (not muted)': ms(runs.timed),
  'first flush, mute interval (muted)': ms(runs.muted),
};
report('Alert router, CPU time (median of 5)', rows, 'anchor: JSON-encode every alert', 'ms');
console.log(`  notifications per run (all three routers): ${notifications / 5}`);
saveResults({ alerts: ALERTS, groups: 1000, ...rows });
