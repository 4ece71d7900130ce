import { createNotifier, memoryChannel } from '@telltale/notify';
import { TelltaleConfigError } from '@telltale/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each(DELIVERY_PATHS)('routes ($name)', (path) => {
  it('sends each message to the first matching route, else to every channel', async () => {
    const pager = memoryChannel();
    const ops = memoryChannel();
    const billing = memoryChannel();
    const notifier = createNotifier({
      channels: { pager, ops, billing },
      routes: [
        { minSeverity: 'critical', channels: ['pager', 'ops'] },
        { when: (message) => message.data?.team === 'billing', channels: ['billing'] },
        { severities: ['warning', 'error'], channels: ['ops'] },
      ],
      ...path.options(),
    });
    cleanups.push(() => notifier.close({ timeout: '1s' }));
    expect(
      (await notifier.send({ subject: 'Down', severity: 'critical', data: { team: 'billing' } })).channels,
    ).toEqual(['pager', 'ops']);
    expect((await notifier.send({ subject: 'Invoice', severity: 'info', data: { team: 'billing' } })).channels).toEqual(
      ['billing'],
    );
    expect((await notifier.send({ subject: 'Slow', severity: 'warning' })).channels).toEqual(['ops']);
    expect((await notifier.send({ subject: 'FYI' })).channels).toEqual(['pager', 'ops', 'billing']);
    expect(
      (await notifier.send({ subject: 'Direct', severity: 'critical' }, { channels: ['billing'] })).channels,
    ).toEqual(['billing']);
    await notifier.flush({ timeout: '2s' });
    expect(pager.delivered.map((delivery) => delivery.message.subject)).toEqual(['Down', 'FYI']);
    expect(billing.delivered.map((delivery) => delivery.message.subject)).toEqual(['Invoice', 'FYI', 'Direct']);
  });

  it('validates routes at construction', () => {
    const channels = { ops: memoryChannel() };
    expect(() => createNotifier({ channels, routes: [{ channels: ['nope'] }] })).toThrow(TelltaleConfigError);
    expect(() => createNotifier({ channels, routes: [{ channels: [] }] })).toThrow(/routes\[0\]\.channels/);
    expect(() => createNotifier({ channels, routes: [{ minSeverity: 'huge' as never, channels: ['ops'] }] })).toThrow(
      /routes\[0\]\.minSeverity/,
    );
  });
});
