import { readFileSync } from 'node:fs';
import { systemClock } from '@telltale/core';
import { createAlertEngine, otelSeriesSource } from '@telltale/alerts';
import { createDashboard } from '@telltale/dashboard';
import { createHealthRegistry, eventLoopDelayCheck, httpCheck, memoryCheck } from '@telltale/health';
import { createHttpMetrics } from '@telltale/metrics';
import { startTelemetry } from '@telltale/node';
import { createBillingClient } from './billing-client.js';
import type { AppConfig } from './config.js';
import { createAppNotifier, oncallAlerts } from './notifications.js';
import { createTranscriber } from './transcription.js';

/** The alert rule file shipped beside this module. */
export function defaultRules(): string {
  return readFileSync(new URL('./rules.yaml', import.meta.url), 'utf8');
}

/**
 * Composes every Telltale package for the coaching API on Fastify:
 * telemetry and HTTP metrics, the resilient billing client, health checks
 * (including the breaker's), in-process alerts emailing on-call, the notifier
 * for product emails, STT with fallback, and the live dashboard.
 */
export function createObservability(config: AppConfig) {
  const telemetry = startTelemetry({ serviceName: config.serviceName, runtimeMetrics: true });
  const httpMetrics = createHttpMetrics({ ignore: ['/metrics', '/health', '/health/*', '/_telltale/*'] });
  const billing = createBillingClient(config.billingUrl);
  const notifier = createAppNotifier(config);
  const oncall = oncallAlerts(notifier, config);
  const stt = createTranscriber(config);

  const alerts = createAlertEngine({
    source: otelSeriesSource(telemetry.metricReader),
    rules: config.rules ?? defaultRules(),
    evaluationInterval: config.evaluationInterval ?? '15s',
    retention: '2h', // ChargeLatencyRegression compares with an hour ago
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

  const dashboard = createDashboard({
    sources: {
      routes: () => httpMetrics.snapshot().routes,
      health: () => health.run(),
      alerts: () =>
        alerts
          .alerts()
          .filter((alert) => alert.state === 'firing' || alert.state === 'pending')
          .map((alert) => ({
            id: `${alert.rule}:${JSON.stringify(alert.labels)}`,
            name: alert.rule,
            state: alert.state as 'firing' | 'pending',
            severity: alert.labels.severity,
            labels: alert.labels,
            summary: alert.annotations.summary,
            activeAt: alert.activeAt,
            value: alert.value,
          })),
      breakers: () => [{ name: billing.breaker.name, state: billing.breaker.state }],
    },
  });

  return {
    telemetry,
    httpMetrics,
    billing,
    notifier,
    alertWebhook: oncall.webhook,
    alerts,
    stt,
    health,
    dashboard,
    /** Stops everything in reverse order of dependency; telemetry last so final metrics are kept. */
    async close() {
      await dashboard.close();
      await alerts.close();
      await stt.close();
      await notifier.close();
      await health.close();
      await telemetry.shutdown();
    },
  };
}

export type Observability = ReturnType<typeof createObservability>;
