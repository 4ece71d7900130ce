import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock, type AlertGroup } from '@telltale/core';
import { createAlertRouter, type RouteInput } from '@telltale/alerts';
import { missingPeer } from '../../../test-support/peers.js';

const missing = missingPeer('prometheus-alertmanager');
const cleanup: (() => void)[] = [];
afterAll(() => cleanup.forEach((step) => step()));

const route: RouteInput = {
  receiver: 'web',
  group_by: ['alertname'],
  group_wait: '1s',
  group_interval: '1s',
  repeat_interval: '1h',
  routes: [
    { receiver: 'pager', matchers: ['severity=~"critical|page"', 'team!="db"'], group_by: ['...'], continue: true },
    { receiver: 'web', matchers: ['alertname="High"'] },
  ],
};

const alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] = [
  {
    labels: { alertname: 'High', severity: 'page', instance: 'b', job: 'api' },
    annotations: { summary: 'high', runbook: 'b' },
  },
  {
    labels: { alertname: 'High', severity: 'page', instance: 'a', job: 'api' },
    annotations: { summary: 'high', runbook: 'a' },
  },
  { labels: { alertname: 'High', severity: 'info', instance: 'c' }, annotations: { summary: 'high' } },
];

const freePort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
};

/** The fields Alertmanager and the router must agree on (times and URLs depend on the run). */
const comparable = (group: AlertGroup) => ({
  ...group,
  externalURL: undefined,
  alerts: group.alerts.map((alert) => ({ ...alert, startsAt: undefined, generatorURL: undefined })),
});

describe.skipIf(missing)("Debian's Alertmanager agrees with createAlertRouter", () => {
  it('on groupKey, grouping, routing, payload, fingerprints, sort order and max_alerts', async () => {
    const received: AlertGroup[] = [];
    const webhook: Server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(JSON.parse(body) as AlertGroup);
        response.end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => webhook.close());
    const hook = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/`;
    const directory = mkdtempSync(join(tmpdir(), 'telltale-alertmanager-'));
    const config = {
      route,
      receivers: [
        { name: 'web', webhook_configs: [{ url: hook, max_alerts: 2 }] },
        { name: 'pager', webhook_configs: [{ url: hook, max_alerts: 1 }] },
      ],
    };
    writeFileSync(join(directory, 'alertmanager.yml'), JSON.stringify(config));
    const port = await freePort();
    const child: ChildProcess = spawn(
      'prometheus-alertmanager',
      [
        `--config.file=${join(directory, 'alertmanager.yml')}`,
        `--storage.path=${directory}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: 'ignore' },
    );
    cleanup.push(() => child.kill('SIGKILL'));
    const base = `http://127.0.0.1:${port}`;
    for (let attempt = 0; attempt < 200; attempt++) {
      const ready = await fetch(`${base}/-/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const startsAt = new Date().toISOString();
    const posted = await fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((alert) => ({ ...alert, startsAt }))),
    });
    expect(posted.status).toBe(200);
    for (let attempt = 0; attempt < 200 && received.length < 3; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 50));

    const clock = createManualClock({ now: Date.parse(startsAt) });
    const ours: AlertGroup[] = [];
    const router = createAlertRouter({
      route,
      receivers: {
        web: { notify: (group) => void ours.push(group), maxAlerts: 2 },
        pager: { notify: (group) => void ours.push(group), maxAlerts: 1 },
      },
      clock,
    });
    router.put(alerts.map((alert) => ({ ...alert, startsAt: clock.now() })));
    await clock.advanceAsync(1000);
    await router.close();
    const key = (group: AlertGroup) => `${group.receiver} ${group.groupKey}`;
    const sort = (groups: AlertGroup[]) => [...groups].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map(comparable);
    expect(received).toHaveLength(3);
    expect(received.find((group) => group.groupKey.startsWith('{}/{alertname'))!.truncatedAlerts).toBe(1);
    expect(sort(ours)).toEqual(sort(received));
  }, 20_000);
});
