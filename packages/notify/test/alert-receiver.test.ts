import {
  alertGroupSeverity,
  alertReceiver,
  createNotifier,
  defaultAlertSubject,
  memoryChannel,
  severityFromLabel,
} from '@telltale/notify';
import { TelltaleConfigError } from '@telltale/core';
import { afterEach, describe, expect, it } from 'vitest';
import { firingGroup, resolvedGroup } from './support/alert-groups.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup() {
  const email = memoryChannel({ addressesPeople: true });
  const pager = memoryChannel();
  const notifier = createNotifier({ channels: { email, pager }, breaker: false });
  cleanups.push(() => notifier.close({ timeout: '1s' }));
  return { email, pager, notifier };
}

describe('alertReceiver', () => {
  it('builds an Alertmanager-style subject, a text body, severity, status, links and data', async () => {
    const { email, notifier } = setup();
    const receiver = alertReceiver(notifier, { channels: ['email'], to: ['oncall@example.com'] });
    await receiver.receive(firingGroup());
    await notifier.flush({ timeout: '2s' });
    const message = email.delivered[0]!.message;
    expect(message.subject).toBe('[FIRING:2] HighErrorRate (api)');
    expect(message.severity).toBe('critical');
    expect(message.status).toBe('firing');
    expect(message.to).toEqual([{ address: 'oncall@example.com' }]);
    expect(message.text).toContain('Firing (2):');
    expect(message.text).toContain('Summary: Error rate above 5%');
    expect(message.text).toContain('Description: 7.1% of requests fail');
    expect(message.text).toContain('instance=a:8080');
    expect(message.text).toContain('Alertmanager: http://alertmanager.example.com:9093');
    expect(message.links).toEqual([
      { href: 'http://alertmanager.example.com:9093', text: 'Alertmanager' },
      { href: 'https://runbooks.example.com/errors', text: 'Runbook' },
      { href: 'http://prometheus.example.com:9090/graph?g0.expr=errors', text: 'Source' },
    ]);
    expect(message.data).toMatchObject({ groupKey: firingGroup().groupKey, receiver: 'ops' });
  });

  it('deduplicates a re-sent group, but not a resolve, which shares the correlation key', async () => {
    const { pager, notifier } = setup();
    const receiver = alertReceiver(notifier, { channels: ['pager'] });
    const first = await receiver.receive(firingGroup());
    const again = await receiver.receive(structuredClone(firingGroup()));
    const resolved = await receiver.receive(resolvedGroup());
    await notifier.flush({ timeout: '2s' });
    expect(again.duplicate).toBe(true);
    expect(again.messageId).toBe(first.messageId);
    expect(resolved.duplicate).toBe(false);
    expect(pager.delivered).toHaveLength(2);
    const [trigger, resolve] = pager.delivered.map((delivery) => delivery.message);
    expect(resolve!.status).toBe('resolved');
    expect(resolve!.subject).toBe('[RESOLVED] HighErrorRate (api)');
    expect(resolve!.correlationKey).toBe(trigger!.correlationKey);
    // A new alert joining the group is a new notification.
    const grown = firingGroup();
    grown.alerts.push({ ...grown.alerts[0]!, fingerprint: 'aaaa000000000003' });
    expect((await receiver.receive(grown)).duplicate).toBe(false);
  });

  it('routes per group and applies template overrides', async () => {
    const { email, pager, notifier } = setup();
    const receiver = alertReceiver(notifier, {
      route: (group) => (group.commonLabels.severity === 'critical' ? ['pager'] : undefined),
      channels: ['email'],
      to: (group) => [`${group.receiver}@example.com`],
      templates: {
        subject: (group) => `${group.status.toUpperCase()} ${group.groupLabels.alertname}`,
        html: () => '<b>x</b>',
      },
    });
    await receiver.receive(firingGroup({ commonLabels: { alertname: 'HighErrorRate', severity: 'critical' } }));
    await receiver.receive(firingGroup({ groupKey: 'other' }));
    await notifier.flush({ timeout: '2s' });
    expect(pager.delivered.map((delivery) => delivery.message.subject)).toEqual(['FIRING HighErrorRate']);
    expect(email.delivered[0]!.message).toMatchObject({ to: [{ address: 'ops@example.com' }], html: '<b>x</b>' });
  });

  it('rejects an invalid group naming the path, and bad options at construction', async () => {
    const { notifier } = setup();
    const receiver = alertReceiver(notifier, { channels: ['pager'] });
    await expect(
      receiver.receive({ ...firingGroup(), alerts: [{ status: 'burning', labels: {} }] }),
    ).rejects.toMatchObject({
      code: 'TELLTALE_INVALID_INPUT',
      details: { path: 'alerts[0].status' },
    });
    expect(() => alertReceiver(notifier, { route: 'pager' as never })).toThrow(TelltaleConfigError);
    expect(() => alertReceiver({} as never)).toThrow(TelltaleConfigError);
  });

  it('keeps label control characters out of the subject and maps severities', () => {
    const group = firingGroup({ groupLabels: { alertname: 'Bad\r\nBcc: x@example.com' } });
    expect(defaultAlertSubject(group)).not.toMatch(/[\r\n]/);
    expect(severityFromLabel('PAGE')).toBe('critical');
    expect(severityFromLabel('low')).toBe('info');
    expect(severityFromLabel('weird')).toBeUndefined();
    expect(alertGroupSeverity(firingGroup({ commonLabels: {}, alerts: [] }))).toBe('warning');
  });
});
