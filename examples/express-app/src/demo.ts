// `pnpm demo`: runs the coaching API on embedded defaults (local SMTP sink,
// flaky billing upstream, fake cloud STT, pocketsphinx when installed) and
// narrates an incident: steady traffic, an error burst, the alert going
// pending → firing, the email arriving, the breaker opening and recovering,
// STT falling back, and the alert resolving. Exits by itself (--forever keeps it up).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performanceReport } from '@telltale/metrics';
import { hasLocalStt, sampleAudio } from './audio.js';
import { describeStatus, watchStatus } from './live-status.js';
import { createNarrator } from './narrator.js';
import { readRules } from './observability.js';
import { startSmtpSink } from './sinks/smtp-sink.js';
import { startExpressApp } from './start.js';
import { startBillingUpstream } from './upstreams/billing.js';
import { startCloudStt } from './upstreams/cloud-stt.js';

const forever = process.argv.includes('--forever');
const say = createNarrator();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const deadline = Date.now() + 150_000;

async function waitUntil(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until || Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

say.step('Starting the coaching API on embedded defaults (no external services)');
const smtp = await startSmtpSink();
const billing = await startBillingUpstream();
const cloudStt = await startCloudStt();
const backupStt = await startCloudStt('backup transcript of the coaching session');
const localStt = hasLocalStt();
// A fresh outbox per run: a journal left by an earlier run would re-send its emails to this run's sink.
const dataDirectory = await mkdtemp(join(tmpdir(), 'telltale-demo-'));
const app = await startExpressApp(
  {
    serviceName: 'coaching-api',
    billingUrl: billing.url,
    smtp: { host: smtp.host, port: smtp.port },
    oncallEmail: 'oncall@coachly.test',
    cloudSttUrl: cloudStt.url,
    cloudSttApiKey: 'sk-demo-not-a-real-key',
    localStt,
    backupSttUrl: backupStt.url,
    dataDirectory,
    rules: readRules('demo-rules.yaml'),
    evaluationInterval: '1s',
    uploadToken: 'demo-upload-token',
  },
  Number(process.env.PORT ?? 0),
);
const { observability } = app;
say.ok(`API listening on ${app.url}`);
say.info(`SMTP sink on ${smtp.host}:${smtp.port}, billing upstream ${billing.url}, cloud STT ${cloudStt.url}`);
say.info(`Notification outbox (durable file store): ${dataDirectory}/notify`);
say.info(`Local STT fallback: ${localStt ? 'pocketsphinx' : 'not installed, using a second fake cloud provider'}`);
say.info(`Open ${app.url}/metrics, ${app.url}/health, ${app.url}/health/ready and ${app.url}/_telltale/`);
say.info('The dashboard shows interval figures; its silence button works from this machine (not through a proxy)');

observability.billingBreaker.onStateChange((change) => {
  say.ok(
    `Circuit breaker ${change.name}: ${change.from} → ${change.to} (billing attempts so far: ${billing.attempts})`,
  );
});
let productEmails = 0;
smtp.onMail((mail) => {
  // Product emails to clients are many during the outage: narrate the first, count the rest.
  if (!mail.to.includes('oncall@coachly.test') && ++productEmails > 1) return;
  const note = mail.to.includes('oncall@coachly.test') ? '' : ' (further product emails are counted, not shown)';
  say.ok(`Email received by the SMTP sink: to ${mail.to.join(', ')}: "${mail.subject}"${note}`);
});

let sent = 0;
let failed = 0;
let errorMix = 0;
let stopTraffic = false;
const traffic = (async () => {
  let tick = 0;
  while (!stopTraffic) {
    tick++;
    const id = String((tick % 50) + 1);
    const requests = [fetch(`${app.url}/sessions/${id}`)];
    if (tick % 10 === 0) requests.push(fetch(`${app.url}/sessions/unknown-${tick}`));
    if (tick % 4 === 0) requests.push(fetch(`${app.url}/sessions/${id}/charge`, { method: 'POST' }));
    if (errorMix > 0 && Math.random() < errorMix) requests.push(fetch(`${app.url}/boom`));
    for (const result of await Promise.allSettled(requests)) {
      sent++;
      if (result.status === 'rejected' || result.value.status >= 500) failed++;
      if (result.status === 'fulfilled') await result.value.arrayBuffer();
    }
    await sleep(40);
  }
})();

const alertState = (name: string) => observability.alerts.alerts().find((alert) => alert.rule === name)?.state;

try {
  say.step('Steady traffic: sessions, charges and a few 404s');
  for (let second = 1; second <= 8; second++) {
    await sleep(1_000);
    say.progress('traffic', second, 8);
  }
  say.ok(`${sent} requests sent, ${failed} failed`);
  say.info('Performance report from the metrics snapshot:');
  for (const line of performanceReport(observability.httpMetrics.metrics.snapshot()).split('\n')) say.info(`  ${line}`);

  say.step('Error burst: billing goes down and a handler starts throwing');
  billing.setMode('failing');
  errorMix = 0.5;
  await waitUntil('HighErrorRate pending', () => alertState('HighErrorRate') !== undefined, 30_000);
  say.ok(`Alert HighErrorRate is ${alertState('HighErrorRate')} (its "for" clock is running)`);
  await waitUntil('HighErrorRate firing', () => alertState('HighErrorRate') === 'firing', 40_000);
  say.ok('Alert HighErrorRate is firing');

  say.step('The on-call notification arrives at the SMTP sink');
  const page = await smtp.waitFor((mail) => /^\[FIRING:\d+\] HighErrorRate/.test(mail.subject), 30_000);
  say.ok(`On-call email delivered: "${page.subject}"`);
  for (const line of page.text.split('\n').filter(Boolean).slice(1, 5)) say.info(`  | ${line}`);

  say.step('The billing breaker has opened; the upstream recovers and the breaker closes');
  await waitUntil('breaker open', () => observability.billingBreaker.state === 'open', 20_000);
  const attemptsWhileOpen = billing.attempts;
  await sleep(2_000);
  say.ok(`Breaker open: ${billing.attempts - attemptsWhileOpen} upstream attempts in the last 2 s (calls fail fast)`);
  billing.setMode('healthy');
  errorMix = 0;
  await waitUntil('breaker closed', () => observability.billingBreaker.state === 'closed', 30_000);
  say.ok('Breaker closed again after a successful half-open probe');

  say.step('Transcription with fallback: the cloud STT fails, the next provider answers');
  const audio = sampleAudio('the session went well and the client agreed to a follow up');
  cloudStt.setFailing(true);
  const transcribe = async () => {
    const response = await fetch(`${app.url}/sessions/7/transcript`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav', authorization: 'Bearer demo-upload-token' },
      body: audio.data,
    });
    return (await response.json()) as {
      text: string;
      provider: string;
      attempts?: { provider: string; outcome: string }[];
    };
  };
  // The job's status as a browser would watch it (SSE, same bearer token as the upload).
  const status = await watchStatus(`${app.url}/live/sessions/7/status`, {
    authorization: 'Bearer demo-upload-token',
  });
  const result = await transcribe();
  const path = (result.attempts ?? []).map((attempt) => `${attempt.provider}:${attempt.outcome}`).join(' → ');
  say.ok(`Transcribed by ${result.provider} (fell back: ${path}): "${result.text}"`);
  await waitUntil(
    'the live "completed" status',
    () => status.events.some((event) => event.type === 'completed'),
    10_000,
  );
  status.close();
  say.ok(`Live status on /live/sessions/7/status: ${describeStatus(status.events)}`);
  cloudStt.setFailing(false);

  say.step('Traffic is healthy again: the alert resolves');
  await waitUntil(
    'HighErrorRate resolved',
    () => alertState('HighErrorRate') !== 'firing' && alertState('HighErrorRate') !== 'pending',
    60_000,
  );
  say.ok('Alert HighErrorRate resolved');
  const resolved = await smtp.waitFor((mail) => /^\[RESOLVED\] HighErrorRate/.test(mail.subject), 30_000);
  say.ok(`Resolution email delivered: "${resolved.subject}"`);

  say.step('Done');
  say.info(
    `${sent} requests, ${failed} failed; ${smtp.mails.length} emails delivered (${productEmails} product emails); billing upstream saw ${billing.attempts} attempts`,
  );
  if (forever) {
    say.info(`Still running at ${app.url} (Ctrl-C to stop)`);
    stopTraffic = true;
    await traffic;
    await new Promise(() => {});
  }
} catch (error) {
  say.warn(`Demo failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  if (!forever) {
    stopTraffic = true;
    await traffic;
    say.done();
    await app.close();
    await Promise.all([smtp.close(), billing.close(), cloudStt.close(), backupStt.close()]);
    await rm(dataDirectory, { recursive: true, force: true });
    say.info('Demo finished.');
  }
}
