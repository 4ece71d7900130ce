import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock, type Logger } from '@telltale/core';
import { createAlertEngine, otelSeriesSource } from '@telltale/alerts';
import { createHealthRegistry, eventLoopDelayCheck, httpCheck, memoryCheck } from '@telltale/health';
import { expressMetrics } from '@telltale/metrics/express';
import { startTelemetry } from '@telltale/node';
import {
  alertmanagerWebhookHandler,
  alertReceiver,
  createNotifier,
  fileStore,
  smtpChannel,
  webhookChannel,
} from '@telltale/notify';
import { circuitBreaker, exponential, pipeline, retry, retryBudget, timeout } from '@telltale/resilience';
import { createFallbackTranscriber, openaiProvider, pocketsphinxProvider, type SttProvider } from '@telltale/stt';
import { createOpsDashboard } from './dashboard.js';
import { sessions } from './sessions.js';
import { createLiveTranscription, reportingProvider } from './transcription.js';

/** Where the app's dependencies live. The demo fills these with local stand-ins. */
export interface AppConfig {
  serviceName: string;
  /** Base URL of the billing provider (`POST /charges`). */
  billingUrl: string;
  /** SMTP relay for product and alert emails. */
  smtp: { host: string; port: number };
  /** On-call address that receives alert emails. */
  oncallEmail: string;
  /** Optional ops webhook (Standard Webhooks signed). */
  opsWebhook?: { url: string; secret: string };
  /** Base URL of the cloud speech-to-text API (OpenAI wire format). */
  cloudSttUrl: string;
  cloudSttApiKey: string;
  /** Use the local pocketsphinx engine as the last fallback (needs Debian's pocketsphinx). */
  localStt: boolean;
  /** A second cloud STT (OpenAI wire format) used as the fallback when `localStt` is false. */
  backupSttUrl?: string;
  /**
   * Directory for durable state (created if missing): the notifier's outbox journal in `notify/`
   * and the alert engine's `alerts-state.json`. One process per directory: each instance needs its own.
   */
  dataDirectory: string;
  /** Alert rule file (YAML text); defaults to rules.yaml. */
  rules?: string;
  evaluationInterval?: string;
  /** Evaluate the rules in-process (default). The fleet turns this off: Prometheus evaluates them there. */
  inProcessAlerts?: boolean;
  /** Bearer token Alertmanager must send to `POST /alerts/webhook`; unset = the route is not mounted. */
  alertWebhookToken?: string | undefined;
  /** Bearer token `POST /sessions/:id/transcript` requires; unset = uploads are refused (403). */
  uploadToken?: string | undefined;
  /** Postgres behind `GET /readings/:id` (with `redisUrl`); unset = the route is not mounted. */
  databaseUrl?: string | undefined;
  /** Redis caching `GET /readings/:id` (with `databaseUrl`). */
  redisUrl?: string | undefined;
  logger?: Logger;
  clock?: Clock;
}

/** Reads one of the rule files shipped beside this module. */
export function readRules(name: 'rules.yaml' | 'demo-rules.yaml'): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
}

/**
 * Composes every Telltale package for the coaching API: telemetry and HTTP
 * metrics, a resilient billing client, health checks, in-process alerts that
 * notify on-call by email, the notifier for product emails, STT with fallback
 * and the live dashboard.
 */
export function createObservability(config: AppConfig) {
  const clock = config.clock ?? systemClock;
  const telemetry = startTelemetry({ serviceName: config.serviceName, runtimeMetrics: true });
  const httpMetrics = expressMetrics({ ignore: ['/metrics', '/health/*', '/_telltale/*', '/live/*'] });

  const billingBreaker = circuitBreaker({
    name: 'billing',
    failureRatio: 0.5,
    minimumThroughput: 5,
    window: '10s',
    halfOpenAfter: '5s',
  });
  const billing = pipeline(
    'billing',
    retry({
      maxAttempts: 3,
      backoff: exponential({ initial: '50ms', max: '500ms', jitter: 'full' }),
      budget: retryBudget({ ratio: 0.2, minPerSecond: 5, window: '10s' }),
      respectRetryAfter: false,
    }),
    billingBreaker,
    timeout('1s'),
  );

  // The durable outbox: accepted emails survive a restart or crash and are sent by the next run.
  mkdirSync(config.dataDirectory, { recursive: true });
  const notifier = createNotifier({
    store: fileStore({ directory: join(config.dataDirectory, 'notify'), logger: config.logger }),
    channels: {
      email: smtpChannel({
        host: config.smtp.host,
        port: config.smtp.port,
        secure: false,
        from: { address: 'noreply@coachly.test', name: 'Coachly' },
      }),
      ...(config.opsWebhook
        ? { ops: webhookChannel({ url: config.opsWebhook.url, secret: config.opsWebhook.secret }) }
        : {}),
    },
  });

  // One formatter for both alert paths: the in-process engine below and Alertmanager's webhook
  // (`alertWebhook`, mounted at POST /alerts/webhook). Same subject, text and idempotency key.
  const alertsToOncall = { channels: ['email'], to: [config.oncallEmail] };
  const oncall = alertReceiver(notifier, alertsToOncall);
  // Without a token the route is not mounted: an open webhook would let anyone page on-call.
  const alertWebhook =
    config.alertWebhookToken === undefined
      ? undefined
      : alertmanagerWebhookHandler(notifier, {
          ...alertsToOncall,
          bearerToken: config.alertWebhookToken,
          logger: config.logger,
        });

  const alerts = createAlertEngine({
    source: otelSeriesSource(telemetry.metricReader),
    rules: config.rules ?? readRules('rules.yaml'),
    evaluationInterval: config.evaluationInterval ?? '15s',
    retention: '2h', // the regression rule compares with an hour ago
    // Alert states, silences (the dashboard's too) and what was sent survive a restart: no second page.
    stateFile: join(config.dataDirectory, 'alerts-state.json'),
    // Off in the fleet: the rules are still loaded and validated, Prometheus evaluates them.
    autoStart: config.inProcessAlerts !== false,
    receivers: {
      oncall: async (group) => {
        await oncall.receive(group);
      },
    },
    clock,
  });

  const cloud = openaiProvider({ apiKey: config.cloudSttApiKey, baseUrl: config.cloudSttUrl });
  const providers: SttProvider[] = [cloud];
  if (config.localStt) providers.push(pocketsphinxProvider());
  else if (config.backupSttUrl) {
    providers.push(openaiProvider({ id: 'backup-cloud', apiKey: config.cloudSttApiKey, baseUrl: config.backupSttUrl }));
  }
  const stt = createFallbackTranscriber({
    // Each attempt is reported to the transcription job it runs for (live progress).
    providers: providers.map(reportingProvider),
    attemptTimeout: '20s',
    breaker: { failureRatio: 0.5, minimumThroughput: 2, window: '30s', halfOpenAfter: '5s' },
    retry: { maxAttempts: 1 },
  });
  // Transcriptions run as jobs; their status streams to /live/sessions/:id/status.
  const transcription = createLiveTranscription({
    stt,
    uploadToken: config.uploadToken,
    sessionExists: (id) => sessions.has(id),
    logger: config.logger,
  });

  const health = createHealthRegistry({ serviceId: config.serviceName, shutdownDelay: '0s' });
  health.register('memory', memoryCheck({ of: 'heap', warnAt: 0.9, failAt: 0.98 }), { tags: ['live'] });
  health.register('event-loop', eventLoopDelayCheck({ warnAt: '200ms', failAt: '1s' }), { tags: ['live'] });
  health.register('billing-breaker', billingBreaker.healthCheck({ whenOpen: 'warn' }), { critical: false });
  health.register('billing-upstream', httpCheck(`${config.billingUrl}/health`), {
    interval: '5s',
    timeout: '1s',
    critical: false,
  });

  const dashboard = createOpsDashboard({
    metrics: httpMetrics.metrics,
    health,
    alerts,
    breakers: () => [{ name: billingBreaker.name, state: billingBreaker.state }],
  });

  return {
    alertWebhook,
    telemetry,
    httpMetrics,
    billing,
    billingBreaker,
    notifier,
    alerts,
    stt,
    transcription,
    health,
    dashboard,
    async close() {
      await dashboard.close();
      await transcription.close();
      await alerts.close();
      await stt.close();
      await notifier.close();
      await health.close();
      await telemetry.close();
    },
  };
}

export type Observability = ReturnType<typeof createObservability>;
