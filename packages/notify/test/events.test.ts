import { createManualClock } from '@telltale/core';
import {
  createNotifier,
  memoryChannel,
  NotifyDeliveryError,
  type NotificationChannel,
  type Notifier,
  type NotifierOptions,
  type NotifyEvent,
} from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';

const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const notifier of notifiers.splice(0)) await notifier.close({ timeout: 0 });
});

const failure = (classification: 'retryable' | 'permanent' | 'rate-limited' | 'endpoint-gone', retryAfterMs?: number) =>
  new NotifyDeliveryError(`simulated ${classification}`, {
    classification,
    provider: 'memory',
    status: 500,
    retryAfterMs,
  });

/** A notifier on a manual clock over `channels`, with every event it emits. */
function setup(channels: Record<string, NotificationChannel>, options: Partial<NotifierOptions> = {}) {
  const clock = createManualClock({ now: Date.parse('2026-01-15T12:00:00Z') });
  const notifier = createNotifier({
    channels,
    clock,
    random: () => 0.5,
    retry: { initial: '1s', max: '1m', jitter: 'none' },
    breaker: false,
    ...options,
  });
  notifiers.push(notifier);
  const events: NotifyEvent[] = [];
  notifier.onEvent((event) => events.push(event));
  return { clock, notifier, events };
}

const anError = (classification: string) => expect.objectContaining({ classification });

describe('NotifyEvent: discriminated on type, past tense, each variant with exactly its fields', () => {
  it('retry-scheduled (legacyType retry) then delivered', async () => {
    let calls = 0;
    const inbox = memoryChannel({
      behavior: () =>
        void (
          ++calls === 1 &&
          (() => {
            throw failure('retryable');
          })()
        ),
    });
    const { clock, notifier, events } = setup({ inbox });
    const receipt = await notifier.send({ subject: 'hi' }, { idempotencyKey: 'k1' });
    await clock.advanceAsync(0);
    await clock.advanceAsync(1_000);
    const deliveryId = receipt.deliveries![0]!.id;
    const about = { channel: 'inbox', deliveryId, idempotencyKey: 'k1' };
    expect(events).toStrictEqual([
      {
        type: 'retry-scheduled',
        legacyType: 'retry',
        ...about,
        attempt: 1,
        delayMs: 1_000,
        error: anError('retryable'),
      },
      { type: 'delivered', legacyType: 'delivered', ...about, attempt: 2 },
    ]);
  });

  it('dead-lettered (legacyType dead-letter) carries the attempts and the last error', async () => {
    const inbox = memoryChannel({
      behavior: () => {
        throw failure('permanent');
      },
    });
    const { clock, notifier, events } = setup({ inbox });
    const receipt = await notifier.send({ subject: 'hi' }, { idempotencyKey: 'k2' });
    await clock.advanceAsync(0);
    expect(events).toStrictEqual([
      {
        type: 'dead-lettered',
        legacyType: 'dead-letter',
        channel: 'inbox',
        deliveryId: receipt.deliveries![0]!.id,
        idempotencyKey: 'k2',
        attempt: 1,
        error: anError('permanent'),
      },
    ]);
  });

  it('rate-limited keeps its name and carries the pause', async () => {
    let calls = 0;
    const inbox = memoryChannel({
      behavior: () => {
        if (++calls === 1) throw failure('rate-limited', 5_000);
      },
    });
    const { clock, notifier, events } = setup({ inbox });
    const receipt = await notifier.send({ subject: 'hi' }, { idempotencyKey: 'k3' });
    await clock.advanceAsync(0);
    expect(events[0]).toStrictEqual({
      type: 'rate-limited',
      legacyType: 'rate-limited',
      channel: 'inbox',
      deliveryId: receipt.deliveries![0]!.id,
      idempotencyKey: 'k3',
      attempt: 0,
      delayMs: 5_000,
      error: anError('rate-limited'),
    });
  });

  it('circuit-rejected (legacyType circuit-open) when the open breaker refuses a delivery: no error', async () => {
    const inbox = memoryChannel({
      concurrency: 1,
      behavior: () => {
        throw failure('retryable');
      },
    });
    const { clock, notifier, events } = setup(
      { inbox },
      {
        breaker: { minimumThroughput: 2, failureRatio: 0.5, window: '1m', halfOpenAfter: '30s' },
        retry: { initial: 10, max: 10, maxAttempts: 100, jitter: 'none' },
      },
    );
    await notifier.send({ subject: 'a' });
    await notifier.send({ subject: 'b' });
    await clock.advanceAsync(0);
    await clock.advanceAsync(20);
    const rejected = events.find((event) => event.type === 'circuit-rejected');
    expect(rejected).toStrictEqual({
      type: 'circuit-rejected',
      legacyType: 'circuit-open',
      channel: 'inbox',
      deliveryId: expect.any(String),
      idempotencyKey: expect.any(String),
      attempt: expect.any(Number),
      delayMs: expect.any(Number),
    });
  });

  it('channel-disabled is about the channel: no delivery id, key or attempt', async () => {
    const hook = memoryChannel({
      behavior: () => {
        throw failure('endpoint-gone');
      },
    });
    const { clock, notifier, events } = setup({ hook });
    await notifier.send({ subject: 'hi' });
    await clock.advanceAsync(0);
    expect(events.find((event) => event.type === 'channel-disabled')).toStrictEqual({
      type: 'channel-disabled',
      legacyType: 'channel-disabled',
      channel: 'hook',
      error: anError('endpoint-gone'),
    });
  });

  it('duplicate-dropped (legacyType duplicate) names the original message and its channels', async () => {
    const { notifier, events } = setup({ inbox: memoryChannel(), email: memoryChannel() });
    const first = await notifier.send({ subject: 'hi' }, { idempotencyKey: 'once' });
    const second = await notifier.send({ subject: 'hi' }, { idempotencyKey: 'once' });
    expect(second.duplicate).toBe(true);
    expect(events.filter((event) => event.type === 'duplicate-dropped')).toStrictEqual([
      {
        type: 'duplicate-dropped',
        legacyType: 'duplicate',
        messageId: first.messageId,
        channels: ['inbox', 'email'],
        idempotencyKey: 'once',
      },
    ]);
  });

  it('deferred carries notBefore and delayMs; skipped a recipient and a reason, no attempt', async () => {
    const { clock, notifier, events } = setup(
      { ops: memoryChannel(), email: memoryChannel({ addressesPeople: true }) },
      {
        quietHours: { ops: { timezone: 'UTC', start: '10:00', end: '14:00' } },
        recipients: { ana: { addresses: { email: 'ana@example.com' }, minSeverity: 'critical' } },
      },
    );
    const held = await notifier.send({ subject: 'later' }, { channels: ['ops'], idempotencyKey: 'q' });
    await clock.advanceAsync(0);
    const notBefore = Date.parse('2026-01-15T14:00:00Z');
    expect(events).toStrictEqual([
      {
        type: 'deferred',
        legacyType: 'deferred',
        channel: 'ops',
        deliveryId: held.deliveries![0]!.id,
        idempotencyKey: 'q',
        attempt: 0,
        delayMs: notBefore - clock.now(),
        notBefore,
      },
    ]);
    events.length = 0;
    const skipped = await notifier.send(
      { subject: 'fyi', severity: 'info' },
      { recipients: ['ana'], idempotencyKey: 's' },
    );
    expect(events).toStrictEqual([
      {
        type: 'skipped',
        legacyType: 'skipped',
        channel: 'email',
        deliveryId: skipped.deliveries![0]!.id,
        idempotencyKey: skipped.deliveries![0]!.idempotencyKey,
        recipient: 'ana',
        reason: 'below-min-severity',
      },
    ]);
  });

  it('narrows on type: a field a variant does not have is a type error', () => {
    const describe = (event: NotifyEvent): string => {
      switch (event.type) {
        case 'channel-disabled':
          // @ts-expect-error -- a disabled channel is not one delivery
          return String(event.deliveryId ?? event.channel);
        case 'skipped':
          // @ts-expect-error -- nothing was attempted
          return String(event.attempt ?? event.reason);
        case 'deferred':
          // @ts-expect-error -- quiet hours are not an error
          return String(event.error ?? event.notBefore);
        case 'duplicate-dropped':
          // @ts-expect-error -- a duplicate names the message (messageId) and its channels, not a delivery
          return String(event.channel ?? event.messageId);
        case 'retry-scheduled':
          return `${event.legacyType}:${event.delayMs}:${event.error.message}`;
        default:
          return event.legacyType;
      }
    };
    const error = { message: 'boom', code: 'TELLTALE_NOTIFY_DELIVERY', classification: 'retryable' as const, at: 0 };
    const about = { channel: 'c', deliveryId: 'd', idempotencyKey: 'k' };
    expect(describe({ type: 'retry-scheduled', legacyType: 'retry', ...about, attempt: 1, delayMs: 5, error })).toBe(
      'retry:5:boom',
    );
    expect(describe({ type: 'channel-disabled', legacyType: 'channel-disabled', channel: 'c', error })).toBe('c');
  });
});
