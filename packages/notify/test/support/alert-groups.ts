import type { AlertGroup } from '@telltale/core';

export function firingGroup(overrides: Partial<AlertGroup> = {}): AlertGroup {
  return {
    version: '4',
    groupKey: '{}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'ops',
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: { alertname: 'HighErrorRate', service: 'api' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'HighErrorRate', service: 'api', instance: 'a:8080', severity: 'critical' },
        annotations: {
          summary: 'Error rate above 5%',
          description: '7.1% of requests fail',
          runbook_url: 'https://runbooks.example.com/errors',
        },
        startsAt: '2026-11-23T03:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=errors',
        fingerprint: 'aaaa000000000001',
      },
      {
        status: 'firing',
        labels: { alertname: 'HighErrorRate', service: 'api', instance: 'b:8080', severity: 'warning' },
        annotations: { summary: 'Error rate above 5%' },
        startsAt: '2026-11-23T03:01:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=errors',
        fingerprint: 'aaaa000000000002',
      },
    ],
    ...overrides,
  };
}

export function resolvedGroup(): AlertGroup {
  const group = firingGroup();
  return {
    ...group,
    status: 'resolved',
    alerts: group.alerts.map((alert) => ({ ...alert, status: 'resolved', endsAt: '2026-11-23T03:10:00Z' })),
  };
}
