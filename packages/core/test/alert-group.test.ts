import { describe, expect, it } from 'vitest';
import { ALERT_ZERO_TIME, TelltaleError, parseAlertGroup } from '@telltale/core';

// A body as Alertmanager 0.2x posts it to a webhook receiver.
const body = {
  receiver: 'telltale',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighErrorRate', severity: 'critical', service: 'api' },
      annotations: { summary: 'Error ratio 5%' },
      startsAt: '2026-11-23T01:00:00.000Z',
      endsAt: ALERT_ZERO_TIME,
      generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
      fingerprint: 'c2e1d0b7a6f5e4d3',
    },
  ],
  groupLabels: { alertname: 'HighErrorRate' },
  commonLabels: { alertname: 'HighErrorRate', severity: 'critical', service: 'api' },
  commonAnnotations: { summary: 'Error ratio 5%' },
  externalURL: 'http://alertmanager:9093',
  version: '4',
  groupKey: '{}:{alertname="HighErrorRate"}',
  truncatedAlerts: 0,
};

describe('parseAlertGroup', () => {
  it('accepts a real Alertmanager v4 body unchanged', () => {
    expect(parseAlertGroup(structuredClone(body))).toEqual(body);
  });

  it('fills documented defaults for optional fields', () => {
    const minimal = {
      version: '4',
      groupKey: 'k',
      status: 'resolved',
      receiver: 'r',
      alerts: [
        {
          status: 'resolved',
          labels: { alertname: 'A' },
          startsAt: '2026-01-01T00:00:00Z',
          endsAt: '2026-01-01T00:05:00Z',
        },
      ],
    };
    const group = parseAlertGroup(minimal);
    expect(group.truncatedAlerts).toBe(0);
    expect(group.commonLabels).toEqual({});
    expect(group.alerts[0]).toMatchObject({ annotations: {}, generatorURL: '', fingerprint: '' });
  });

  it.each([
    [null, 'body'],
    [{ ...body, version: '3' }, 'version'],
    [{ ...body, alerts: 'x' }, 'alerts'],
    [{ ...body, status: 'ok' }, 'status'],
    [{ ...body, truncatedAlerts: -1 }, 'truncatedAlerts'],
    [{ ...body, alerts: [{ ...body.alerts[0], labels: { severity: 3 } }] }, 'alerts[0].labels.severity'],
    [{ ...body, alerts: [{ ...body.alerts[0], startsAt: 'yesterday' }] }, 'alerts[0].startsAt'],
    [{ ...body, alerts: [{ ...body.alerts[0], labels: undefined }] }, 'alerts[0].labels'],
    [{ ...body, groupKey: 7 }, 'groupKey'],
  ])('rejects malformed input naming the path (%#)', (input, path) => {
    try {
      parseAlertGroup(input);
      expect.unreachable();
    } catch (error) {
      expect(TelltaleError.is(error, 'TELLTALE_INVALID_INPUT')).toBe(true);
      expect((error as TelltaleError).details.path).toBe(path);
      expect((error as Error).message).toContain(path);
    }
  });
});
