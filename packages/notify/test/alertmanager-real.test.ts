import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertmanagerWebhookHandler, createNotifier, smtpChannel } from '@telltale/notify';
import { withAlertmanagerWebhook } from '@telltale/notify/node';
import { afterEach, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { startSmtpSink } from './support/smtp-sink.js';

const missing = missingPeer('prometheus-alertmanager');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited: ${output()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`alertmanager not ready: ${output()}`);
}

describe.skipIf(missing)('a real Alertmanager posting to the webhook handler', () => {
  it('delivers a firing alert to an SMTP sink through smtpChannel', { timeout: 30_000 }, async () => {
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const notifier = createNotifier({
      channels: {
        email: smtpChannel({ host: '127.0.0.1', port: sink.port, from: 'alerts@example.com', timeout: '5s' }),
      },
      breaker: false,
    });
    cleanups.push(() => notifier.close({ timeout: '2s' }));
    const handler = alertmanagerWebhookHandler(notifier, {
      bearerToken: 'am-token',
      to: ['oncall@example.com'],
    });
    const app = createServer(withAlertmanagerWebhook(handler));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => app.close(() => resolve())));
    const hookPort = (app.address() as AddressInfo).port;

    const directory = await mkdtemp(join(tmpdir(), 'telltale-am-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const config = join(directory, 'alertmanager.yml');
    await writeFile(
      config,
      [
        'route:',
        '  receiver: telltale',
        "  group_by: ['alertname']",
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: telltale',
        '    webhook_configs:',
        `      - url: http://127.0.0.1:${hookPort}/alertmanager`,
        '        send_resolved: true',
        '        http_config:',
        '          authorization:',
        '            credentials: am-token',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    let output = '';
    const child = spawn(
      'prometheus-alertmanager',
      [
        `--config.file=${config}`,
        `--storage.path=${join(directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cleanups.push(async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    });
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url, child, () => output);

    const posted = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'HighErrorRate', service: 'api', severity: 'critical' },
          annotations: { summary: 'Error rate above 5%', description: '7.1% of requests fail' },
          generatorURL: 'http://prometheus.example.com:9090/graph',
        },
      ]),
    });
    expect(posted.status).toBe(200);

    await sink.waitFor(1, 15_000);
    const mail = sink.received[0]!;
    expect(mail.to).toEqual(['oncall@example.com']);
    expect(mail.raw).toMatch(/^Subject: \[FIRING:1\] HighErrorRate \(api critical\)/m);
    expect(mail.raw).toMatch(/^Message-ID: <am-[0-9a-f]{40}@example\.com>/m);
    expect(mail.raw).toContain('Summary: Error rate above 5%');
    expect(mail.raw).toContain('http://prometheus.example.com:9090/graph');
  });
});
