import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '@telltale/core';
import { createAlertEngine, otelSeriesSource } from '@telltale/alerts';
import { createHealthRegistry, eventLoopDelayCheck, httpCheck, memoryCheck } from '@telltale/health';
import { createHttpMetrics } from '@telltale/metrics';
import { startTelemetry } from '@telltale/node';
import { createBillingClient } from './billing-client.js';
import type { AppConfig } from './config.js';
import { createOpsDashboard } from './dashboard.js';
import { createAppNotifier, oncallAlerts } from './notifications.js';
import { createSessionStore } from './sessions.js';
import { createLiveTranscription, createTranscriber } from './transcription.js';

/** The alert rule file shipped beside this module. */
export function defaultRules(): string {
  return readFileSync(new URL('./rules.yaml', import.meta.url), 'utf8');
}

/**
 * Composes every Telltale package for the coaching API on Fastify:
 * telemetry and HTTP metrics, the resilient billing client, health checks
 * (including the breaker's), in-process alerts emailing on-call, the notifier
 * for product emails, STT with fallback run as a job whose status streams to
 * `/live/sessions/:id/status`, and the live dashboard.
 */
export function createObservability(config: AppConfig) {
  mkdirSync(config.dataDirectory, { recursive: true });
  const telemetry = startTelemetry({ serviceName: config.serviceName, runtimeMetrics: true });
  const httpMetrics = createHttpMetrics({ ignore: ['/metrics', '/health', '/health/*', '/_telltale/*', '/live/*'] });
  const billing = createBillingClient(config.billingUrl);
  const notifier = createAppNotifier(config);
  const oncall = oncallAlerts(notifier, config);
  const sessions = createSessionStore();
  const stt = createTranscriber(config);
  // Transcriptions run as jobs; their status streams to /live/sessions/:id/status.
  const transcription = createLiveTranscription({
    stt,
    uploadToken: config.uploadToken,
    sessionExists: (id) => sessions.has(id),
    logger: config.logger,
  });

  const alerts = createAlertEngine({
    source: otelSeriesSource(telemetry.metricReader),
    rules: config.rules ?? defaultRules(),
    evaluationInterval: config.evaluationInterval ?? '15s',
    retention: '2h', // ChargeLatencyRegression compares with an hour ago
    // Alert states, silences (the dashboard's too) and what was sent survive a restart: no second page.
    stateFile: join(config.dataDirectory, 'alerts-state.json'),
    receivers: { oncall: oncall.receive },
    clock: config.clock ?? systemClock,
  });

  const health = createHealthRegistry({ serviceId: config.serviceName, shutdownDelay: '0s' });
  health.register('memory', memoryCheck({ of: 'heap', warnAt: 0.9, failAt: 0.98 }), { tags: ['live'] });
  health.register('event-loop', eventLoopDelayCheck({ warnAt: '200ms', failAt: '1s' }), { tags: ['live'] });
  health.register('billing-breaker', billing.breaker.healthCheck({ whenOpen: 'warn' }), { critical: false });
  health.register('billing-upstream', httpCheck(`${config.billingUrl}/health`), {
    interval: '5s',
    timeout: '1s',
    critical: false,
  });

  const dashboard = createOpsDashboard({
    metrics: httpMetrics,
    health,
    alerts,
    breakers: () => [{ name: billing.breaker.name, state: billing.breaker.state }],
  });

  return {
    telemetry,
    httpMetrics,
    billing,
    notifier,
    alertWebhook: oncall.webhook,
    alerts,
    stt,
    transcription,
    sessions,
    health,
    dashboard,
    /** Stops everything in reverse order of dependency; telemetry last so final metrics are kept. */
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
