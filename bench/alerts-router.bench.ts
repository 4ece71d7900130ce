// Router cost: 20,000 alerts in 1,000 groups (group_by alertname, service), two inhibition rules
// and 20 silences, on a fake clock. Anchor: JSON-encoding every alert once (the least an
// Alertmanager ingesting them over HTTP does), measured in the same run.
import { createManualClock } from '@telltale/core';
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

const runs = { anchor: [] as number[], put: [] as number[], flush: [] as number[], reput: [] as number[] };
let notifications = 0;
for (let run = 0; run < 5; run++) {
  runs.anchor.push(await cpuMicros(() => void alerts.map((alert) => JSON.stringify(alert))));
  const clock = createManualClock({ now: 0 });
  const router = createAlertRouter({
    route: { receiver: 'team', group_by: ['alertname', 'service'] },
    receivers: { team: () => void notifications++ },
    inhibitRules: [
      {
        source_matchers: ['severity="critical"', 'alertname="Alert0"'],
        target_matchers: ['severity="warning"'],
        equal: ['service', 'instance'],
      },
      { source_matchers: ['alertname="Outage"'], target_matchers: ['severity=~"warning|info"'], equal: ['service'] },
    ],
    clock,
  });
  for (let index = 0; index < 20; index++) router.silence(`instance="host-${index * 997}"`, { until: 3_600_000 });
  runs.put.push(await cpuMicros(() => router.put(alerts)));
  runs.flush.push(await cpuMicros(() => clock.advanceAsync(30_000)));
  runs.reput.push(await cpuMicros(() => router.put(alerts)));
  await router.close();
}
const ms = (values: number[]) => median(values) / 1000;
const rows = {
  'anchor: JSON-encode every alert': ms(runs.anchor),
  'put 20,000 new alerts': ms(runs.put),
  'first flush of 1,000 groups': ms(runs.flush),
  're-put 20,000 unchanged alerts': ms(runs.reput),
};
report('Alert router, CPU time (median of 5)', rows, 'anchor: JSON-encode every alert', 'ms');
console.log(`  notifications per run: ${notifications / 5}`);
saveResults({ alerts: ALERTS, groups: 1000, ...rows });
