// `pnpm --filter @example/fleet start`: brings the fleet up, forces an error
// burst, waits for the page to arrive through Prometheus → Alertmanager →
// the app's webhook → SMTP, then shuts everything down (--forever keeps it up).
import { startFleet } from './fleet.js';
import { drive } from './traffic.js';

const fleet = await startFleet();
console.log(`apps: ${fleet.apps.join(', ')}`);
console.log(`prometheus: ${fleet.prometheusUrl}  alertmanager: ${fleet.alertmanagerUrl}`);
try {
  console.log('error burst until the page arrives (at most 60 s) ...');
  const stop = new AbortController();
  const burst = drive(fleet.apps, { seconds: 60, perSecond: 20, errorShare: 0.4, signal: stop.signal });
  const mail = await fleet.smtp.waitFor((m) => m.subject.includes('HighErrorRate'), 90_000).finally(() => stop.abort());
  console.log(`page delivered through Alertmanager: "${mail.subject}"`);
  await burst;
  if (process.argv.includes('--forever')) await new Promise(() => {});
} finally {
  await fleet.stop();
}
