import { createManualClock, TelltaleError, type ManualClock } from '@telltale/core';
import {
  createNotifier,
  memoryChannel,
  memoryStore,
  NotifyDeliveryError,
  type Delivery,
  type Notifier,
  type NotifierOptions,
  type NotifyEvent,
} from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const notifier of notifiers.splice(0)) await notifier.close({ timeout: 0 });
});

const failing = (classification: 'retryable' | 'permanent' | 'rate-limited' | 'endpoint-gone', retryAfterMs?: number) =>
  new NotifyDeliveryError(`simulated ${classification}`, {
    classification,
    provider: 'memory',
    status: 500,
    retryAfterMs,
  });

describe.each(DELIVERY_PATHS)('createNotifier: queue ($name)', (path) => {
  function setup(options: Partial<NotifierOptions> & { clock?: ManualClock } = {}) {
    const clock = options.clock ?? createManualClock({ now: 1_700_000_000_000 });
    const inbox = memoryChannel();
    const notifier = createNotifier({
      channels: { inbox },
      clock,
      random: () => 0.5,
      retry: { initialDelay: '1s', maxDelay: '1m', jitter: 'none', ...options.retry },
      breaker: false,
      ...path.options(),
      ...options,
    });
    notifiers.push(notifier);
    const events: NotifyEvent[] = [];
    notifier.onEvent((event) => events.push(event));
    return { clock, inbox, notifier, events };
  }

  it('delivers an accepted message once and resolves await: delivered', async () => {
    const { inbox, notifier } = setup();
    const receipt = await notifier.send(
      { subject: 'Hello', text: 'World' },
      { await: 'delivered', idempotencyKey: 'k1' },
    );
    expect(receipt).toMatchObject({ idempotencyKey: 'k1', duplicate: false, channels: ['inbox'] });
    expect(receipt.results?.inbox?.providerMessageId).toBe('memory-1');
    expect(inbox.delivered).toHaveLength(1);
    expect(inbox.delivered[0]!.message).toMatchObject({
      subject: 'Hello',
      text: 'World',
      severity: 'info',
      status: 'firing',
    });
  });

  it('retries retryable failures with exponential backoff and keeps the delivery id', async () => {
    let calls = 0;
    const clock = createManualClock({ now: 0 });
    const inbox = memoryChannel({
      behavior: () => {
        calls++;
        if (calls <= 3) throw failing('retryable');
      },
    });
    const { notifier, events } = setup({ clock, channels: { inbox } });
    await notifier.send({ subject: 'x' });
    await clock.advanceAsync(0);
    expect(calls).toBe(1);
    const retries = () => events.flatMap((event) => (event.type === 'retry-scheduled' ? [event.delayMs] : []));
    expect(retries()).toEqual([1000]);
    await clock.advanceAsync(999);
    expect(calls).toBe(1);
    await clock.advanceAsync(1);
    expect(calls).toBe(2);
    await clock.advanceAsync(2000);
    expect(calls).toBe(3);
    await clock.advanceAsync(4000);
    expect(calls).toBe(4);
    expect(retries()).toEqual([1000, 2000, 4000]);
    expect(inbox.delivered).toHaveLength(1);
    expect(new Set(inbox.attempts.map((attempt) => attempt.id)).size).toBe(1);
    expect(inbox.attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('applies jitter within [delay/2, delay] with the default equal jitter', async () => {
    const clock = createManualClock({ now: 0 });
    const inbox = memoryChannel({
      behavior: () => {
        throw failing('retryable');
      },
    });
    const { notifier, events } = setup({
      clock,
      channels: { inbox },
      random: () => 0,
      retry: { jitter: 'equal', maxAttempts: 3 },
    });
    await notifier.send({ subject: 'x' });
    await clock.advanceAsync(10_000);
    expect(events.flatMap((event) => (event.type === 'retry-scheduled' ? [event.delayMs] : []))).toEqual([500, 1000]);
  });

  it('dead-letters after maxAttempts with the last error, and redrive() delivers it', async () => {
    let healthy = false;
    const clock = createManualClock({ now: 0 });
    const inbox = memoryChannel({
      behavior: () => {
        if (!healthy) throw failing('retryable');
      },
    });
    const { notifier } = setup({ clock, channels: { inbox }, retry: { maxAttempts: 3 } });
    const delivered = notifier.send({ subject: 'x' }, { await: 'delivered' });
    const rejection = expect(delivered).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_UNDELIVERED' });
    await clock.advanceAsync(60_000);
    await rejection;
    const [dead] = notifier.deadLetters();
    expect(dead).toMatchObject({
      channel: 'inbox',
      attempts: 3,
      error: { classification: 'retryable', message: 'simulated retryable', status: 500 },
    });
    expect(notifier.stats().inbox).toMatchObject({ pending: 0, deadLetters: 1 });

    healthy = true;
    expect(await notifier.redrive()).toBe(1);
    await notifier.flush();
    expect(inbox.delivered).toHaveLength(1);
    expect(notifier.deadLetters()).toEqual([]);
  });

  it('dead-letters permanent failures at once', async () => {
    const inbox = memoryChannel({
      behavior: () => {
        throw failing('permanent');
      },
    });
    const { notifier } = setup({ channels: { inbox } });
    await notifier.send({ subject: 'x' });
    await notifier.flush();
    expect(inbox.attempts).toHaveLength(1);
    expect(notifier.deadLetters()[0]?.error.classification).toBe('permanent');
  });

  it('pauses the channel for Retry-After on rate limits, without spending attempts, capped by maxRetryAfter', async () => {
    let limited = 2;
    const clock = createManualClock({ now: 0 });
    const inbox = memoryChannel({
      behavior: () => {
        if (limited-- > 0) throw failing('rate-limited', limited === 1 ? 5_000 : 3_600_000);
      },
    });
    const { notifier, events } = setup({ clock, channels: { inbox }, retry: { maxAttempts: 1, maxRetryAfter: '1m' } });
    await notifier.send({ subject: 'first' });
    await notifier.send({ subject: 'second' });
    await clock.advanceAsync(0);
    expect(inbox.attempts).toHaveLength(1);
    expect(notifier.stats().inbox?.pausedUntil).toBe(5_000);
    await clock.advanceAsync(4_999);
    expect(inbox.attempts).toHaveLength(1); // the whole channel waits, not just the message
    await clock.advanceAsync(1);
    expect(inbox.attempts).toHaveLength(2);
    expect(events.filter((event) => event.type === 'rate-limited').map((event) => event.delayMs)).toEqual([
      5_000, 60_000,
    ]);
    await clock.advanceAsync(60_000);
    expect(inbox.delivered.map((delivery) => delivery.message.subject)).toEqual(['first', 'second']);
    expect(notifier.deadLetters()).toEqual([]);
  });

  it('paces deliveries with the token bucket', async () => {
    const clock = createManualClock({ now: 0 });
    const inbox = memoryChannel({ rateLimit: { perSecond: 2, burst: 2 }, concurrency: 10 });
    const { notifier } = setup({ clock, channels: { inbox } });
    for (let index = 0; index < 6; index++) await notifier.send({ subject: `m${index}` });
    await clock.advanceAsync(0);
    expect(inbox.delivered).toHaveLength(2);
    await clock.advanceAsync(500);
    expect(inbox.delivered).toHaveLength(3);
    await clock.advanceAsync(1500);
    expect(inbox.delivered).toHaveLength(6);
    expect(inbox.delivered.map((delivery) => delivery.message.subject)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('lets rateLimits override or remove a channel default', async () => {
    const clock = createManualClock({ now: 0 });
    const inbox = memoryChannel({ rateLimit: { perSecond: 1, burst: 1 }, concurrency: 10 });
    const { notifier } = setup({ clock, channels: { inbox }, rateLimits: { inbox: false } });
    for (let index = 0; index < 5; index++) await notifier.send({ subject: `m${index}` });
    await clock.advanceAsync(0);
    expect(inbox.delivered).toHaveLength(5);
  });

  it('limits deliveries in flight per channel', async () => {
    let inFlight = 0;
    let peak = 0;
    const inbox = memoryChannel({
      concurrency: 3,
      behavior: async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      },
    });
    const { notifier } = setup({ channels: { inbox } });
    for (let index = 0; index < 20; index++) await notifier.send({ subject: `m${index}` });
    await notifier.flush();
    expect(inbox.delivered).toHaveLength(20);
    expect(peak).toBe(3);
  });

  it('deduplicates by idempotency key within the window, then accepts it again', async () => {
    const clock = createManualClock({ now: 0 });
    const { notifier, inbox } = setup({ clock, idempotencyTtl: '1h' });
    const first = await notifier.send({ subject: 'a' }, { idempotencyKey: 'invoice-1' });
    const again = await notifier.send({ subject: 'a' }, { idempotencyKey: 'invoice-1' });
    expect(again).toMatchObject({ duplicate: true, messageId: first.messageId });
    await clock.advanceAsync(0);
    expect(inbox.delivered).toHaveLength(1);
    await clock.advanceAsync(3_600_000);
    const later = await notifier.send({ subject: 'a' }, { idempotencyKey: 'invoice-1' });
    expect(later.duplicate).toBe(false);
    await clock.advanceAsync(0);
    expect(inbox.delivered).toHaveLength(2);
  });

  it('disables an endpoint-gone channel, dead-letters its queue and later sends, and redrive re-enables it', async () => {
    let gone = true;
    const clock = createManualClock({ now: 0 });
    const hook = memoryChannel({
      concurrency: 1,
      behavior: () => {
        if (gone)
          throw new NotifyDeliveryError('webhook answered HTTP 410', {
            classification: 'endpoint-gone',
            provider: 'webhook',
            status: 410,
          });
      },
    });
    const { notifier, events } = setup({ clock, channels: { hook } });
    await notifier.send({ subject: 'one' });
    await notifier.send({ subject: 'two' });
    await clock.advanceAsync(0);
    await notifier.send({ subject: 'three' });
    await clock.advanceAsync(0);
    expect(hook.attempts).toHaveLength(1);
    expect(events.some((event) => event.type === 'channel-disabled')).toBe(true);
    const dead = notifier.deadLetters();
    expect(dead).toHaveLength(3);
    expect(dead.every((letter) => letter.error.status === 410)).toBe(true);
    expect(dead[1]!.error.message).toMatch(/endpoint disabled/);
    expect(notifier.stats().hook?.disabled?.status).toBe(410);
    gone = false;
    expect(await notifier.redrive({ channel: 'hook' })).toBe(3);
    await clock.advanceAsync(0);
    expect(hook.delivered).toHaveLength(3);
    expect(notifier.stats().hook?.disabled).toBeUndefined();
  });

  it('opens the per-channel circuit breaker on repeated retryable failures and pauses the channel', async () => {
    const clock = createManualClock({ now: 0 });
    let healthy = false;
    const inbox = memoryChannel({
      concurrency: 1,
      behavior: () => {
        if (!healthy) throw failing('retryable');
      },
    });
    const { notifier, events } = setup({
      clock,
      channels: { inbox },
      breaker: { minimumThroughput: 4, failureRatio: 0.5, window: '1m', halfOpenAfter: '30s' },
      retry: { initialDelay: 10, maxDelay: 10, maxAttempts: 100 },
    });
    for (let index = 0; index < 4; index++) await notifier.send({ subject: `m${index}` });
    await clock.advanceAsync(0);
    expect(inbox.attempts).toHaveLength(4);
    await clock.advanceAsync(20);
    expect(notifier.stats().inbox?.breaker).toBe('open');
    expect(events.some((event) => event.type === 'circuit-rejected')).toBe(true);
    const attemptsWhileOpen = inbox.attempts.length;
    await clock.advanceAsync(20_000);
    expect(inbox.attempts.length).toBe(attemptsWhileOpen);
    healthy = true;
    await clock.advanceAsync(15_000);
    await clock.advanceAsync(100);
    expect(inbox.delivered).toHaveLength(4);
    expect(notifier.deadLetters()).toEqual([]);
  });

  it('flush() waits for scheduled retries; flush({ timeout }) gives up', async () => {
    const clock = createManualClock({ now: 0 });
    let calls = 0;
    const inbox = memoryChannel({
      behavior: () => {
        if (++calls === 1) throw failing('retryable');
      },
    });
    const { notifier } = setup({ clock, channels: { inbox } });
    await notifier.send({ subject: 'x' });
    await clock.advanceAsync(0);
    const timedOut = expect(notifier.flush({ timeout: 500 })).rejects.toMatchObject({ code: 'TELLTALE_TIMEOUT' });
    await clock.advanceAsync(500);
    await timedOut;
    let flushed = false;
    const flushing = notifier.flush().then(() => (flushed = true));
    await clock.advanceAsync(400);
    expect(flushed).toBe(false);
    await clock.advanceAsync(100);
    await flushing;
    expect(inbox.delivered).toHaveLength(1);
  });

  it('flush() also waits for sends that were not awaited', async () => {
    const { notifier, inbox } = setup();
    for (let index = 0; index < 5; index++) void notifier.send({ subject: `m${index}` });
    await notifier.flush();
    expect(inbox.delivered).toHaveLength(5);
  });

  it('close() waits for in-flight deliveries, then refuses sends', async () => {
    let release!: () => void;
    const inbox = memoryChannel({ behavior: () => new Promise<void>((resolve) => (release = resolve)) });
    const { notifier } = setup({ channels: { inbox } });
    await notifier.send({ subject: 'x' });
    await new Promise((resolve) => setImmediate(resolve));
    let closed = false;
    const closing = notifier.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(inbox.delivered).toHaveLength(1);
    await expect(notifier.send({ subject: 'y' })).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_CLOSED' });
  });

  it('keeps undelivered work in the store across a restart', async () => {
    const store = memoryStore();
    const clock = createManualClock({ now: 0 });
    const broken = memoryChannel({
      behavior: () => {
        throw failing('retryable');
      },
    });
    const first = createNotifier({
      channels: { inbox: broken },
      ...path.options({ ...store, close: () => Promise.resolve() }),
      clock,
      breaker: false,
    });
    await first.send({ subject: 'survives' }, { idempotencyKey: 'restart-1' });
    await clock.advanceAsync(0);
    await first.close({ timeout: 0 });
    expect(store.records()).toHaveLength(1);

    const inbox = memoryChannel();
    const second = createNotifier({ channels: { inbox }, ...path.options(store), clock, breaker: false });
    notifiers.push(second);
    expect((await second.send({ subject: 'survives' }, { idempotencyKey: 'restart-1' })).duplicate).toBe(true);
    await clock.advanceAsync(60_000);
    await second.flush();
    expect(inbox.delivered.map((delivery: Delivery) => delivery.message.subject)).toEqual(['survives']);
    expect(store.records()).toEqual([]);
  });

  it('rejects a full queue and unknown channels with typed errors', async () => {
    const inbox = memoryChannel({ behavior: () => new Promise(() => {}) });
    const { notifier } = setup({ channels: { inbox }, maxQueued: 2 });
    await notifier.send({ subject: '1' });
    await notifier.send({ subject: '2' });
    await expect(notifier.send({ subject: '3' })).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_QUEUE_FULL' });
    await expect(notifier.send({ subject: '4' }, { channels: ['nope'] })).rejects.toMatchObject({
      code: 'TELLTALE_NOTIFY_UNKNOWN_CHANNEL',
    });
  });

  it('lets a duplicate send await the original delivery, and an aborted wait leaves the message queued', async () => {
    const clock = createManualClock({ now: 0 });
    let calls = 0;
    const inbox = memoryChannel({
      behavior: () => {
        if (++calls === 1) throw failing('retryable');
      },
    });
    const { notifier } = setup({ clock, channels: { inbox } });
    const original = notifier.send({ subject: 'x' }, { idempotencyKey: 'dup', await: 'delivered' });
    await clock.advanceAsync(0);
    const duplicate = notifier.send({ subject: 'x' }, { idempotencyKey: 'dup', await: 'delivered' });
    const controller = new AbortController();
    const aborted = notifier.send(
      { subject: 'y' },
      { idempotencyKey: 'other', await: 'delivered', signal: controller.signal },
    );
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
    await clock.advanceAsync(1000);
    await expect(original).resolves.toMatchObject({ duplicate: false });
    await expect(duplicate).resolves.toMatchObject({ duplicate: true });
    expect(inbox.delivered.map((delivery) => delivery.message.subject).sort()).toEqual(['x', 'y']);
  });

  it('dead-letters rate-limited deliveries that outlive expireAfter', async () => {
    const clock = createManualClock({ now: 0 });
    const inbox = memoryChannel({
      behavior: () => {
        throw failing('rate-limited', 60_000);
      },
    });
    const { notifier } = setup({ clock, channels: { inbox }, retry: { expireAfter: '2m' } });
    await notifier.send({ subject: 'x' });
    await clock.advanceAsync(200_000);
    expect(inbox.attempts).toHaveLength(3);
    expect(notifier.deadLetters()[0]?.error.classification).toBe('rate-limited');
  });

  it('validates options at construction', () => {
    const inbox = memoryChannel();
    expect(() => createNotifier({ channels: {} })).toThrow(/channels/);
    expect(() => createNotifier({ channels: { inbox }, retry: { maxAttempts: 0 } })).toThrow(/retry.maxAttempts/);
    expect(() => createNotifier({ channels: { inbox }, retry: { initialDelay: '5 minutes' } })).toThrow(
      /retry.initialDelay/,
    );
    expect(() => createNotifier({ channels: { inbox }, rateLimits: { inbox: { perSecond: 0 } } })).toThrow(
      /rateLimits.inbox.perSecond/,
    );
    expect(() => createNotifier({ channels: { inbox }, rateLimits: { other: false } })).toThrow(TelltaleError);
    expect(() => createNotifier({ channels: { inbox: {} as never } })).toThrow(/channels.inbox/);
  });
});
