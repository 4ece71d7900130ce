import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock, type AlertGroup } from '@telltale/core';
import { createAlertRouter, type AlertRouterOptions, type RouteInput } from '@telltale/alerts';
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

/**
 * Runs Debian's Alertmanager with `config` (a function of the webhook URL), posts `posted` alerts,
 * and waits until `done` holds for the webhook bodies received and its debug log.
 */
async function runAlertmanager(
  config: (hook: string) => object,
  posted: typeof alerts,
  done: (received: AlertGroup[], log: string) => boolean,
): Promise<{ received: AlertGroup[]; log: string; startsAt: string }> {
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
  writeFileSync(join(directory, 'alertmanager.yml'), JSON.stringify(config(hook)));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${join(directory, 'alertmanager.yml')}`,
      `--storage.path=${directory}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
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
  const response = await fetch(`${base}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(posted.map((alert) => ({ ...alert, startsAt }))),
  });
  expect(response.status).toBe(200);
  for (let attempt = 0; attempt < 200 && !done(received, log); attempt++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  child.kill('SIGKILL');
  return { received: [...received], log, startsAt };
}

/** Our router over the same alerts, on a fake clock, after one group_wait. */
async function runRouter(
  options: Omit<AlertRouterOptions, 'receivers' | 'clock'>,
  receivers: Record<string, number>,
  posted: typeof alerts,
  startsAt: string,
): Promise<AlertGroup[]> {
  const clock = createManualClock({ now: Date.parse(startsAt) });
  const ours: AlertGroup[] = [];
  const router = createAlertRouter({
    ...options,
    receivers: Object.fromEntries(
      Object.entries(receivers).map(([name, maxAlerts]) => [
        name,
        { notify: (group: AlertGroup) => void ours.push(group), maxAlerts },
      ]),
    ),
    clock,
  });
  router.put(posted.map((alert) => ({ ...alert, startsAt: clock.now() })));
  await clock.advanceAsync(1000);
  await router.close();
  return ours;
}

const key = (group: AlertGroup) => `${group.receiver} ${group.groupKey}`;
const sorted = (groups: AlertGroup[]) => [...groups].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map(comparable);

describe.skipIf(missing)("Debian's Alertmanager agrees with createAlertRouter", () => {
  it('on groupKey, grouping, routing, payload, fingerprints, sort order and max_alerts', async () => {
    const { received, startsAt } = await runAlertmanager(
      (hook) => ({
        route,
        receivers: [
          { name: 'web', webhook_configs: [{ url: hook, max_alerts: 2 }] },
          { name: 'pager', webhook_configs: [{ url: hook, max_alerts: 1 }] },
        ],
      }),
      alerts,
      (groups) => groups.length >= 3,
    );
    const ours = await runRouter({ route }, { web: 2, pager: 1 }, alerts, startsAt);
    expect(received).toHaveLength(3);
    expect(received.find((group) => group.groupKey.startsWith('{}/{alertname'))!.truncatedAlerts).toBe(1);
    expect(sorted(ours)).toEqual(sorted(received));
  }, 20_000);

  it('on mute_time_intervals and active_time_intervals (intervals covering all time or none)', async () => {
    // Wall-clock independent: "always" contains every time, "never" only 1999.
    const timeIntervals = [
      { name: 'always', time_intervals: [{ times: [{ start_time: '00:00', end_time: '24:00' }] }] },
    ];
    const muteTimeIntervals = [{ name: 'never', time_intervals: [{ years: ['1999'] }] }];
    const timedRoute: RouteInput = {
      receiver: 'web',
      group_by: ['alertname'],
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '1h',
      routes: [
        { receiver: 'muted', matchers: ['severity="page"'], mute_time_intervals: ['always'], continue: true },
        { receiver: 'inactive', matchers: ['severity="page"'], active_time_intervals: ['never'], continue: true },
        {
          receiver: 'active',
          matchers: ['severity="page"'],
          active_time_intervals: ['always'],
          mute_time_intervals: ['never'],
        },
      ],
    };
    const names = ['web', 'muted', 'inactive', 'active'];
    const { received, log, startsAt } = await runAlertmanager(
      (hook) => ({
        route: timedRoute,
        time_intervals: timeIntervals,
        mute_time_intervals: muteTimeIntervals,
        receivers: names.map((name) => ({ name, webhook_configs: [{ url: hook }] })),
      }),
      alerts,
      // Its debug log tells when the muted routes flushed (and dropped everything).
      (groups, text) =>
        groups.length >= 2 &&
        text.includes('route is within mute time') &&
        text.includes('route is not within active time'),
    );
    const ours = await runRouter(
      { route: timedRoute, timeIntervals, muteTimeIntervals },
      Object.fromEntries(names.map((name) => [name, 0])),
      alerts,
      startsAt,
    );
    expect(log).toContain('route is within mute time');
    expect(log).toContain('route is not within active time');
    expect(received.map((group) => group.receiver).sort()).toEqual(['active', 'web']);
    expect(sorted(ours)).toEqual(sorted(received));
  }, 20_000);
});
