import { TelltaleConfigError } from '@telltale/core';
import { createNotifier, memoryChannel, NotifyDeliveryError, type NotifyEvent } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const failing = (classification: 'permanent' | 'retryable') =>
  memoryChannel({
    behavior: () => {
      throw new NotifyDeliveryError('slack said no', { classification, provider: 'slack', status: 500 });
    },
  });

describe.each(DELIVERY_PATHS)('channel fallback ($name)', (path) => {
  it('re-queues a dead-lettered delivery on the fallback channel and records it', async () => {
    const email = memoryChannel({ addressesPeople: true });
    const notifier = createNotifier({
      channels: { ops: failing('permanent'), email },
      fallbacks: { ops: 'email' },
      ...path.options(),
    });
    cleanups.push(() => notifier.close({ timeout: '1s' }));
    const events: NotifyEvent[] = [];
    notifier.onEvent((event) => events.push(event));
    const receipt = await notifier.send(
      { to: ['oncall@example.com'], subject: 'Disk full' },
      { channels: ['ops'], await: 'delivered' },
    );
    expect(Object.keys(receipt.results ?? {})).toEqual(['email']);
    expect(email.delivered[0]).toMatchObject({ fallbackFrom: 'ops', channel: 'email' });
    expect(events.find((event) => event.type === 'delivered')).toMatchObject({ channel: 'email', fallbackFrom: 'ops' });
    expect(notifier.deadLetters({ channel: 'ops' })).toHaveLength(1);
  });

  it("hands messages over while the channel's breaker is open", async () => {
    const email = memoryChannel({ addressesPeople: true });
    const notifier = createNotifier({
      channels: { ops: failing('retryable'), email },
      fallbacks: { ops: 'email' },
      ...path.options(),
      retry: { initialDelay: 1, maxDelay: 2, maxAttempts: 50 },
      breaker: { failureRatio: 0.5, minimumThroughput: 2, window: '30s', halfOpenAfter: '10m' },
    });
    cleanups.push(() => notifier.close({ timeout: '1s' }));
    for (let index = 0; index < 5; index++) {
      await notifier.send({ to: ['oncall@example.com'], subject: `Alert ${index}` }, { channels: ['ops'] });
    }
    await notifier.flush({ timeout: '5s' });
    expect(email.delivered).toHaveLength(5);
    expect(email.delivered.every((delivery) => delivery.fallbackFrom === 'ops')).toBe(true);
    expect(notifier.deadLetters().map((letter) => letter.error.code)).toContain('TELLTALE_NOTIFY_CIRCUIT_OPEN');
  });

  it('does not fall back when the fallback cannot carry the message, and validates the option', async () => {
    const email = memoryChannel({ addressesPeople: true });
    const notifier = createNotifier({
      channels: { ops: failing('permanent'), email },
      fallbacks: { ops: 'email' },
      ...path.options(),
    });
    cleanups.push(() => notifier.close({ timeout: '1s' }));
    // No recipients: email cannot take it, so the dead letter stands.
    await expect(notifier.send({ subject: 'x' }, { channels: ['ops'], await: 'delivered' })).rejects.toMatchObject({
      code: 'TELLTALE_NOTIFY_UNDELIVERED',
    });
    expect(email.attempts).toHaveLength(0);
    expect(() => createNotifier({ channels: { ops: email }, fallbacks: { ops: 'ops' } })).toThrow(TelltaleConfigError);
    expect(() => createNotifier({ channels: { ops: email }, fallbacks: { ops: 'sms' } })).toThrow(/fallbacks\.ops/);
  });
});
