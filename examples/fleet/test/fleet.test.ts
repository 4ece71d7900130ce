import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { startFleet, type Fleet } from '../src/fleet.js';
import { drive } from '../src/traffic.js';

const missing = missingPeer('prometheus', 'prometheus-alertmanager');

describe.skipIf(missing)('fleet: Prometheus + Alertmanager over two app instances', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet();
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
  }, 30_000);

  it('scrapes both instances with the same series names the in-process engine uses', async () => {
    await drive(fleet.apps, { seconds: 3, perSecond: 10, errorShare: 0 });
    let up: { metric: Record<string, string> }[] = [];
    for (let i = 0; i < 40 && up.length < 2; i++) {
      up = (await fleet.query('up == 1')).filter((series) => series.metric.job === 'coaching-api');
      if (up.length < 2) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(up).toHaveLength(2);
    const byRoute = await fleet.query('sum by (http_route) (http_server_request_duration_count)');
    expect(byRoute.map((series) => series.metric.http_route)).toContain('/sessions/:id');
  }, 60_000);

  it('pages on-call through Alertmanager and the app webhook on an error burst', async () => {
    const stop = new AbortController();
    const burst = drive(fleet.apps, { seconds: 60, perSecond: 20, errorShare: 0.5, signal: stop.signal });
    const mail = await fleet.smtp
      .waitFor((m) => m.subject.startsWith('[FIRING:') && m.subject.includes('HighErrorRate'), 90_000)
      .finally(() => stop.abort());
    await burst;
    expect(mail.to).toEqual(['oncall@coachly.test']);
    expect(mail.text).toContain('HighErrorRate');
    const alerts = (await (await fetch(`${fleet.alertmanagerUrl}/api/v2/alerts`)).json()) as {
      labels: Record<string, string>;
    }[];
    expect(alerts.map((alert) => alert.labels.alertname)).toContain('HighErrorRate');
  }, 120_000);
});
