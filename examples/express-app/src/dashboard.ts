import { parseMatchers, type AlertEngine, type AlertSnapshot, type Matcher } from '@telltale/alerts';
import { isLoopbackRequest } from '@telltale/core';
import { createDashboard, type AlertView, type BreakerView, type RouteStats } from '@telltale/dashboard';
import type { HealthRegistry } from '@telltale/health';
import type { HttpMetrics } from '@telltale/metrics';

/**
 * The routes source: each call returns the figures of the requests since the
 * previous call (the dashboard wants interval figures, not totals since start).
 */
export function intervalRoutes(metrics: Pick<HttpMetrics, 'snapshot'>): () => readonly RouteStats[] {
  let previous = metrics.snapshot();
  return () => {
    // Both calls run in the same synchronous turn: no request finishes in between.
    const interval = metrics.snapshot({ since: previous });
    previous = metrics.snapshot();
    return interval.routes;
  };
}

/** Alertmanager's matching: a missing label is the empty string; regexes are fully anchored. */
const matches = (matcher: Matcher, labels: Readonly<Record<string, string>>): boolean => {
  const value = labels[matcher.name] ?? '';
  if (matcher.operator === '=') return value === matcher.value;
  if (matcher.operator === '!=') return value !== matcher.value;
  const found = matcher.regex?.test(value) ?? false;
  return matcher.operator === '=~' ? found : !found;
};

/** Stable across ticks: the rule name and the sorted labels. */
const alertId = (alert: AlertSnapshot): string => `${alert.rule}${JSON.stringify(Object.entries(alert.labels).sort())}`;

export interface OpsDashboardParts {
  metrics: Pick<HttpMetrics, 'snapshot'>;
  health: Pick<HealthRegistry, 'run'>;
  alerts: Pick<AlertEngine, 'alerts' | 'silence' | 'silences'>;
  breakers: () => BreakerView[];
}

/**
 * The live dashboard at `/_telltale/`: interval route figures, health, firing
 * and pending alerts with a silence button wired to the alert engine (for
 * an operator on this host only), and the breakers.
 */
export function createOpsDashboard(parts: OpsDashboardParts) {
  const alerts = (): AlertView[] => {
    // Every active silence counts (the page's, the API's, those restored from the state file).
    const active = parts.alerts
      .silences()
      .filter((silence) => silence.status === 'active')
      .map((silence) => ({ endsAt: silence.endsAt, matchers: parseMatchers(silence.matchers) }));
    return parts.alerts
      .alerts()
      .filter((alert) => alert.state === 'firing' || alert.state === 'pending')
      .map((alert) => {
        const covering = active.filter((silence) => silence.matchers.every((m) => matches(m, alert.labels)));
        const silencedUntil = covering.length === 0 ? undefined : Math.max(...covering.map((s) => s.endsAt));
        return {
          id: alertId(alert),
          name: alert.rule,
          state: alert.state as 'firing' | 'pending', // the filter above keeps only these
          severity: alert.labels.severity,
          labels: alert.labels,
          summary: alert.annotations.summary,
          activeAt: alert.activeAt,
          value: alert.value,
          ...(silencedUntil === undefined ? {} : { silencedUntil }),
        };
      });
  };

  return createDashboard({
    sources: {
      routes: intervalRoutes(parts.metrics),
      health: () => parts.health.run(),
      alerts,
      breakers: parts.breakers,
      // Every cacheMetrics cache of the process, hit ratio since start (as /metrics and `telltale report`).
      caches: () => parts.metrics.snapshot().caches,
    },
    actions: {
      // Mutes exactly this alert (all its labels), not every alert of the rule.
      silence: (alert, { until, comment, request }) => {
        const matchers = Object.entries(alert.labels ?? { alertname: alert.name }).map(([name, value]) => ({
          name,
          value,
        }));
        const author = `dashboard (${request.socket.remoteAddress ?? 'unknown address'})`;
        parts.alerts.silence(matchers, { until, comment, author });
      },
    },
    // An operator on this host (a local browser or an SSH tunnel): a loopback peer, no proxy
    // headers, a loopback or IP Host (no DNS rebinding). A real app checks its own session here, e.g.
    // `sessionOf(request)?.roles.includes('oncall')`.
    authorize: { act: isLoopbackRequest },
  });
}
