// A process that pages through a file, for the kill-and-restart test: reads the `load` value from
// argv[2], appends every notification as a JSON line to argv[3], keeps its state in argv[4].
import { appendFileSync, readFileSync } from 'node:fs';
import { createAlertEngine } from '@telltale/alerts';

const [valueFile, outputFile, stateFile] = process.argv.slice(2) as [string, string, string];
createAlertEngine({
  source: {
    collect: () => [{ labels: { __name__: 'load', host: 'a' }, value: Number(readFileSync(valueFile, 'utf8')) }],
  },
  rules: 'groups: [{ name: g, rules: [{ alert: High, expr: "load > 10" }] }]',
  evaluationInterval: '50ms',
  receivers: {
    pager: (group) =>
      appendFileSync(
        outputFile,
        `${JSON.stringify({ pid: process.pid, status: group.status, alerts: group.alerts.map((alert) => alert.status) })}\n`,
      ),
  },
  route: { receiver: 'pager', group_wait: '0s', group_interval: '100ms', repeat_interval: '1h' },
  stateFile,
});
process.stdout.write('ready\n');
setInterval(() => {}, 1000); // the engine's timers are unref'ed
