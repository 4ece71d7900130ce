// What the example apps keep across a restart, over HTTP: the notifier's durable outbox and the
// alert engine's state file (the dashboard's silences). Part of the suite both apps must pass.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../src/sinks/smtp-sink.js';
import type { AppConfig } from '../src/observability.js';
import type { StartedApp } from './http-suite.js';

// A rule that fires at the first evaluation, so the silence action has an alert to act on.
const ALWAYS_FIRING = `
groups:
  - name: canary
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels:
          severity: warning
        annotations:
          summary: always firing
`;

const silencePost = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/_telltale/actions/silence`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telltale-dashboard': '1', ...headers },
    body: JSON.stringify(body),
  });

export function describeStateSuite(framework: string, start: (config: AppConfig) => Promise<StartedApp>): void {
  describe(`${framework} example app's durable notification outbox`, () => {
    let dataDirectory: string;
    let smtp: SmtpSink | undefined;
    beforeAll(async () => {
      dataDirectory = await mkdtemp(join(tmpdir(), 'telltale-example-outbox-'));
    });
    afterAll(async () => {
      await smtp?.close();
      await rm(dataDirectory, { recursive: true, force: true });
    });

    const config = (smtpPort: number): AppConfig => ({
      serviceName: `${framework}-outbox`,
      billingUrl: 'http://127.0.0.1:9',
      smtp: { host: '127.0.0.1', port: smtpPort },
      oncallEmail: 'oncall@coachly.test',
      cloudSttUrl: 'http://127.0.0.1:9',
      cloudSttApiKey: 'sk-test',
      localStt: false,
      dataDirectory,
      evaluationInterval: '1h',
    });

    it('sends an email accepted while SMTP was down after a restart', async () => {
      // SMTP unreachable (nothing listens on port 9): the email is accepted and stays queued.
      const first = await start(config(9));
      try {
        const response = await fetch(`${first.url}/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'queued.user@coachly.test', name: 'Iris' }),
        });
        expect(response.status).toBe(201);
      } finally {
        await first.close();
      }
      expect(await readdir(join(dataDirectory, 'notify'))).toContain('journal.log');

      smtp = await startSmtpSink();
      const second = await start(config(smtp.port));
      try {
        const mail = await smtp.waitFor((m) => m.to.includes('queued.user@coachly.test'), 15_000);
        expect(mail.subject).toBe('Welcome to Coachly, Iris: confirm your email');
      } finally {
        await second.close();
      }
    }, 30_000);
  });

  describe(`${framework} example app's dashboard silence action`, () => {
    let app: StartedApp;
    let dataDirectory: string;
    const config = (): AppConfig => ({
      serviceName: `${framework}-silence`,
      billingUrl: 'http://127.0.0.1:9',
      smtp: { host: '127.0.0.1', port: 9 },
      oncallEmail: 'oncall@coachly.test',
      cloudSttUrl: 'http://127.0.0.1:9',
      cloudSttApiKey: 'sk-test',
      localStt: false,
      dataDirectory,
      rules: ALWAYS_FIRING,
      evaluationInterval: '100ms',
    });
    beforeAll(async () => {
      dataDirectory = await mkdtemp(join(tmpdir(), 'telltale-example-silence-'));
      app = await start(config());
    });
    const firing = async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const alert = (await app.observability.dashboard.snapshot()).alerts?.find((a) => a.name === 'AlwaysFiring');
        if (alert) return alert;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('AlwaysFiring never showed on the dashboard');
    };
    afterAll(async () => {
      await app?.close();
      if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
    });

    it('silences a firing alert for an operator on this host, and keeps the silence across a restart', async () => {
      const alertId = (await firing()).id;
      expect((await app.observability.dashboard.snapshot()).capabilities.silence).toBe(true);

      // Relayed by a proxy: every caller would look local, so the action is refused.
      const proxied = await silencePost(app.url, { alertId }, { 'x-forwarded-for': '203.0.113.7' });
      expect(proxied.status).toBe(403);
      // Any proxy header refuses it (isLoopbackRequest), not only X-Forwarded-For.
      for (const header of ['x-real-ip', 'via', 'x-forwarded-host']) {
        const relayed = await silencePost(app.url, { alertId }, { [header]: '203.0.113.7' });
        expect({ header, status: relayed.status }).toEqual({ header, status: 403 });
      }

      const response = await silencePost(app.url, { alertId, duration: '30m', comment: 'deploying a fix' });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { silenced: string; until: string };
      expect(body.silenced).toBe(alertId);
      const shown = (await app.observability.dashboard.snapshot()).alerts?.find((alert) => alert.id === alertId);
      expect(shown?.silencedUntil).toBe(Date.parse(body.until));

      // The engine's state file (in dataDirectory) brings the silence back.
      await app.close();
      app = await start(config());
      expect((await firing()).silencedUntil).toBe(Date.parse(body.until));
    });
  });
}
