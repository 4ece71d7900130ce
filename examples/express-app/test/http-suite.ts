// The HTTP-level suite both example apps must pass (Express and Fastify).
// It talks to a real server over loopback with real local peers: an SMTP
// sink, a flaky billing upstream and two fake cloud STT servers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '@telltale/dashboard';
import { startSmtpSink, type SmtpSink } from '../src/sinks/smtp-sink.js';
import { startBillingUpstream } from '../src/upstreams/billing.js';
import { startCloudStt } from '../src/upstreams/cloud-stt.js';
import { watchStatus, type StatusEvent } from '../src/live-status.js';
import type { AppConfig } from '../src/observability.js';
import { describeStateSuite } from './state-suite.js';

export interface StartedApp {
  url: string;
  observability: { dashboard: Dashboard };
  close(): Promise<void>;
}

/** What an app serves beyond the common API; the suite tests only what is there. */
export interface Capabilities {
  /** Transcription status streamed to `/live/sessions/:id/status` (@telltale/jobs + @telltale/live). */
  liveStatus?: boolean;
}

async function waitForEvent(events: StatusEvent[], type: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!events.some((event) => event.type === type)) {
    if (Date.now() > deadline) throw new Error(`no "${type}" event in ${JSON.stringify(events)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function describeHttpSuite(
  framework: string,
  start: (config: AppConfig) => Promise<StartedApp>,
  capabilities: Capabilities = {},
): void {
  describe(`${framework} example app over HTTP`, () => {
    let app: StartedApp;
    let smtp: SmtpSink;
    let billing: Awaited<ReturnType<typeof startBillingUpstream>>;
    let cloud: Awaited<ReturnType<typeof startCloudStt>>;
    let backup: Awaited<ReturnType<typeof startCloudStt>>;
    let dataDirectory: string;

    beforeAll(async () => {
      dataDirectory = await mkdtemp(join(tmpdir(), 'telltale-example-'));
      smtp = await startSmtpSink();
      billing = await startBillingUpstream();
      cloud = await startCloudStt('primary transcript');
      backup = await startCloudStt('backup transcript');
      app = await start({
        serviceName: `${framework}-suite`,
        billingUrl: billing.url,
        smtp: { host: smtp.host, port: smtp.port },
        oncallEmail: 'oncall@coachly.test',
        cloudSttUrl: cloud.url,
        cloudSttApiKey: 'sk-test',
        localStt: false,
        backupSttUrl: backup.url,
        dataDirectory,
        evaluationInterval: '1h',
        alertWebhookToken: 'am-token',
        uploadToken: 'upload-token',
      });
    });

    afterAll(async () => {
      await app?.close();
      await Promise.all([smtp?.close(), billing?.close(), cloud?.close(), backup?.close()]);
      if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
    });

    it('serves a session and 404s an unknown one', async () => {
      const found = await fetch(`${app.url}/sessions/3`);
      expect(found.status).toBe(200);
      expect(await found.json()).toMatchObject({ id: '3', coach: 'Ana Ruiz' });
      const missing = await fetch(`${app.url}/sessions/nope`);
      expect(missing.status).toBe(404);
    });

    it('charges through the billing pipeline, and emails the client when billing fails', async () => {
      const ok = await fetch(`${app.url}/sessions/4/charge`, { method: 'POST' });
      expect(ok.status).toBe(201);
      expect(await ok.json()).toMatchObject({ charged: true });
      billing.setMode('failing');
      try {
        const failed = await fetch(`${app.url}/sessions/5/charge`, { method: 'POST' });
        expect(failed.status).toBe(503);
        expect(await failed.json()).toMatchObject({ charged: false });
        const mail = await smtp.waitFor((m) => m.to.includes('client-5@coachly.test'), 10_000);
        expect(mail.subject).toContain('did not go through');
      } finally {
        billing.setMode('healthy');
      }
    });

    it('sends the registration confirmation email', async () => {
      const response = await fetch(`${app.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'new.user@coachly.test', name: 'Noor' }),
      });
      expect(response.status).toBe(201);
      const mail = await smtp.waitFor((m) => m.to.includes('new.user@coachly.test'), 10_000);
      expect(mail.subject).toBe('Welcome to Coachly, Noor: confirm your email');
      const bad = await fetch(`${app.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'no email' }),
      });
      expect(bad.status).toBe(400);
    });

    it('turns an Alertmanager webhook into the on-call email, and refuses bad or unauthenticated posts', async () => {
      const group = {
        version: '4',
        groupKey: '{}:{alertname="HighErrorRate"}',
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'oncall',
        groupLabels: { alertname: 'HighErrorRate' },
        commonLabels: { alertname: 'HighErrorRate', severity: 'page' },
        commonAnnotations: {},
        externalURL: 'http://alertmanager.test',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'HighErrorRate', severity: 'page' },
            annotations: { summary: 'error ratio 12%' },
            startsAt: '2026-11-23T05:00:00Z',
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: 'http://prometheus.test/graph',
            fingerprint: 'a1b2c3d4e5f60718',
          },
        ],
      };
      const post = (body: unknown, token = 'am-token') =>
        fetch(`${app.url}/alerts/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
      expect((await post(group, 'wrong')).status).toBe(401);
      const bad = await post({ ...group, alerts: [{ ...group.alerts[0], startsAt: 'yesterday' }] });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/alerts\[0\]\.startsAt/);
      expect((await post(group)).status).toBe(200);
      const mail = await smtp.waitFor((m) => m.subject.startsWith('[FIRING:1] HighErrorRate'), 10_000);
      expect(mail.to).toContain('oncall@coachly.test');
      expect(mail.text).toContain('error ratio 12%');
    });

    it.runIf(capabilities.liveStatus)(
      'streams the transcription job status to /live/sessions/:id/status over SSE, authenticated',
      async () => {
        const url = `${app.url}/live/sessions/9/status`;
        const token = { authorization: 'Bearer upload-token' };
        await expect(watchStatus(url)).rejects.toMatchObject({ status: 401 });
        await expect(watchStatus(url, { authorization: 'Bearer wrong' })).rejects.toMatchObject({ status: 401 });
        await expect(watchStatus(`${app.url}/live/sessions/999/status`, token)).rejects.toMatchObject({
          status: 403,
        });
        const stream = await watchStatus(url, token);
        cloud.setFailing(true);
        try {
          const response = await fetch(`${app.url}/sessions/9/transcript`, {
            method: 'POST',
            headers: { 'content-type': 'audio/wav', ...token },
            body: new Uint8Array(3200).fill(1),
          });
          expect(response.status).toBe(200);
          expect(await response.json()).toMatchObject({ text: 'backup transcript' });
          await waitForEvent(stream.events, 'completed');
        } finally {
          cloud.setFailing(false);
          stream.close();
        }
        const jobId = (stream.events[0]?.data as { id: string }).id;
        expect(stream.events.map((event) => [event.type, event.data])).toEqual([
          ['queued', { id: jobId, jobType: 'transcribe', status: 'waiting' }],
          ['started', { id: jobId, jobType: 'transcribe', status: 'active', attempt: 1 }],
          ['progressed', expect.objectContaining({ progress: { stage: 'provider-attempt', provider: 'openai' } })],
          [
            'progressed',
            expect.objectContaining({ progress: { stage: 'fallback', from: 'openai', to: 'backup-cloud' } }),
          ],
          [
            'progressed',
            expect.objectContaining({ progress: { stage: 'provider-attempt', provider: 'backup-cloud' } }),
          ],
          ['completed', { id: jobId, jobType: 'transcribe', status: 'completed' }],
        ]);
        // Ids only go up, so a reconnecting client resumes with Last-Event-ID.
        const ids = stream.events.map((event) => event.id);
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
      },
    );

    it('transcribes with the primary provider, and falls back when it fails', async () => {
      const audio = new Uint8Array(3200).fill(1);
      const post = (authorization = 'Bearer upload-token') =>
        fetch(`${app.url}/sessions/7/transcript`, {
          method: 'POST',
          headers: { 'content-type': 'audio/wav', authorization },
          body: audio,
        });
      // The upload route is authenticated before its body is read.
      expect((await post('')).status).toBe(401);
      expect((await post('Bearer wrong')).status).toBe(401);
      const first = await post();
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ text: 'primary transcript' });
      cloud.setFailing(true);
      try {
        const second = await post();
        expect(second.status).toBe(200);
        expect(await second.json()).toMatchObject({ text: 'backup transcript', provider: 'backup-cloud' });
      } finally {
        cloud.setFailing(false);
      }
    });

    it('answers 500 for a throwing handler', async () => {
      expect((await fetch(`${app.url}/boom`)).status).toBe(500);
    });

    it('exposes Prometheus metrics with route templates, never raw paths', async () => {
      for (let i = 0; i < 20; i++) await (await fetch(`${app.url}/random-${i}-${Math.random()}`)).arrayBuffer();
      const response = await fetch(`${app.url}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toMatch(/http_server_request_duration_count\{[^}]*http_route="\/sessions\/:id"/);
      expect(text).toMatch(/http_server_request_duration_count\{[^}]*http_response_status_code="500"/);
      expect(text).not.toMatch(/random-\d/);
      expect(text).not.toMatch(/http_route="\/sessions\/3"/);
    });

    it('serves health probes as application/health+json', async () => {
      for (const path of ['/health/live', '/health/ready', '/health']) {
        const response = await fetch(`${app.url}${path}`);
        expect([200, 503]).toContain(response.status);
        expect(response.headers.get('content-type')).toContain('application/health+json');
        const body = (await response.json()) as { status: string };
        expect(['pass', 'warn', 'fail']).toContain(body.status);
      }
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    });

    it('serves the dashboard page', async () => {
      const response = await fetch(`${app.url}/_telltale/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
    });

    it('shows the dashboard the requests of the last interval, not totals since start', async () => {
      const { dashboard } = app.observability;
      const visit = async (times: number) => {
        for (let i = 0; i < times; i++) await (await fetch(`${app.url}/sessions/3`)).arrayBuffer();
      };
      await visit(3);
      await dashboard.snapshot();
      await visit(5);
      const snapshot = await dashboard.snapshot();
      const row = snapshot.routes?.find((route) => route.method === 'GET' && route.route === '/sessions/:id');
      expect(row?.count).toBe(5);
    });
  });

  describeStateSuite(framework, start);
}
