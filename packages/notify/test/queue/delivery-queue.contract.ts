// The DeliveryQueue contract, run against every store (test/queue/delivery-queue.test.ts):
// outboxQueue over the memory and file stores, and the Redis store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryQueue, IdempotencyEntry, OutboxRecord } from '@telltale/notify';

/** Makes a fresh, empty queue for one test; `cleanup` runs after it. */
export type QueueFactory = () => Promise<{ queue: DeliveryQueue; cleanup?: () => Promise<void> }>;

const T0 = 1_800_000_000_000;

function record(id: string, channel: string, nextAttemptAt = T0, extra: Partial<OutboxRecord> = {}): OutboxRecord {
  return {
    id,
    messageId: id.split(':')[0]!,
    channel,
    idempotencyKey: `key-${id}`,
    message: { subject: `s-${id}`, to: [], severity: 'info' } as unknown as OutboxRecord['message'],
    state: 'pending',
    attempts: 0,
    enqueuedAt: T0,
    nextAttemptAt,
    ...extra,
  };
}

function entry(key: string, messageId: string, expiresAt: number): IdempotencyEntry {
  return { key, messageId, channels: ['ops'], expiresAt };
}

export function describeDeliveryQueue(name: string, factory: QueueFactory): void {
  describe(`DeliveryQueue contract: ${name}`, () => {
    let queue: DeliveryQueue;
    let cleanup: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ queue, cleanup } = await factory());
      await queue.open();
    });
    afterEach(async () => {
      await queue.close();
      await cleanup?.();
    });

    it('hands out only due deliveries of the channel, oldest due first, up to the limit', async () => {
      await queue.enqueue(entry('k1', 'm1', T0 + 60_000), [record('m1:ops', 'ops', T0 + 5)], T0);
      await queue.enqueue(entry('k2', 'm2', T0 + 60_000), [record('m2:ops', 'ops', T0 + 1)], T0);
      await queue.enqueue(entry('k3', 'm3', T0 + 60_000), [record('m3:ops', 'ops', T0 + 9_000)], T0);
      await queue.enqueue(entry('k4', 'm4', T0 + 60_000), [record('m4:mail', 'mail', T0)], T0);
      const first = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 + 10 });
      expect(first.map((claim) => claim.record.id)).toEqual(['m2:ops']);
      const rest = await queue.claim({ channel: 'ops', limit: 10, leaseMs: 1000, now: T0 + 10 });
      expect(rest.map((claim) => claim.record.id)).toEqual(['m1:ops']);
      expect(rest[0]!.record).toMatchObject({ channel: 'ops', idempotencyKey: 'key-m1:ops', attempts: 0 });
      expect(await queue.claim({ channel: 'ops', limit: 10, leaseMs: 1000, now: T0 + 10 })).toEqual([]);
    });

    it('lets another consumer take a delivery over once its lease expired, and not before', async () => {
      await queue.enqueue(entry('k1', 'm1', T0 + 60_000), [record('m1:ops', 'ops')], T0);
      const [held] = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 });
      expect(await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 + 999 })).toEqual([]);
      const [taken] = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 + 1000 });
      expect(taken!.record.id).toBe('m1:ops');
      expect(taken!.lease.token).not.toBe(held!.lease.token);
      // The first holder's claim is gone: its acknowledgement is refused, the new holder's counts.
      expect(await queue.acknowledge(held!.lease)).toBe(false);
      expect((await queue.status(['m1:ops']))['m1:ops']).toBe('pending');
      expect(await queue.acknowledge(taken!.lease)).toBe(true);
      expect((await queue.status(['m1:ops']))['m1:ops']).toBe('done');
    });

    it('renews a held claim so nobody takes it over, and refuses to renew a lost one', async () => {
      await queue.enqueue(entry('k1', 'm1', T0 + 60_000), [record('m1:ops', 'ops')], T0);
      const [held] = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 });
      const renewed = await queue.renew([held!.lease], 1000, T0 + 900);
      expect(renewed).toEqual([{ ...held!.lease, expiresAt: T0 + 1900 }]);
      expect(await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 + 1500 })).toEqual([]);
      const [taken] = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 + 1900 });
      expect(taken!.record.id).toBe('m1:ops');
      expect(await queue.renew([held!.lease], 1000, T0 + 2000)).toEqual([]);
      expect(await queue.acknowledge(renewed[0]!)).toBe(false);
      expect(await queue.acknowledge(taken!.lease)).toBe(true);
    });

    it('removes an acknowledged delivery for good', async () => {
      await queue.enqueue(entry('k1', 'm1', T0 + 60_000), [record('m1:ops', 'ops')], T0);
      const [claim] = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 });
      expect(await queue.acknowledge(claim!.lease)).toBe(true);
      expect(await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 + 5000 })).toEqual([]);
      expect(await queue.list({ state: 'pending' })).toEqual([]);
    });

    it('releases a delivery for a retry at a given time, keeping its attempts and last error', async () => {
      await queue.enqueue(entry('k1', 'm1', T0 + 60_000), [record('m1:ops', 'ops')], T0);
      const [claim] = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 10_000, now: T0 });
      const failed = {
        ...claim!.record,
        attempts: 1,
        lastError: {
          message: 'HTTP 503',
          code: 'TELLTALE_NOTIFY_DELIVERY',
          classification: 'retryable' as const,
          at: T0,
        },
      };
      expect(await queue.release(claim!.lease, failed, T0 + 2000)).toBe(true);
      expect(await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 + 1999 })).toEqual([]);
      const [again] = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 + 2000 });
      expect(again!.record).toMatchObject({
        attempts: 1,
        nextAttemptAt: T0 + 2000,
        lastError: { message: 'HTTP 503' },
      });
    });

    it('dead-letters, lists the dead letters, and redrives each once with a fresh budget', async () => {
      await queue.enqueue(entry('k1', 'm1', T0 + 60_000), [record('m1:ops', 'ops'), record('m1:mail', 'mail')], T0);
      const [claim] = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 });
      expect(await queue.deadLetter(claim!.lease, { ...claim!.record, attempts: 8, deadAt: T0 + 5 })).toBe(true);
      expect((await queue.list({ state: 'dead' })).map((dead) => [dead.id, dead.attempts])).toEqual([['m1:ops', 8]]);
      expect(await queue.list({ state: 'dead', channel: 'mail' })).toEqual([]);
      expect((await queue.list({ state: 'pending' })).map((pending) => pending.id)).toEqual(['m1:mail']);
      expect(await queue.status(['m1:ops', 'm1:mail', 'nope'])).toEqual({
        'm1:ops': 'dead',
        'm1:mail': 'pending',
        nope: 'done',
      });
      expect(await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 + 10_000 })).toEqual([]);
      expect(await queue.redrive({ ids: ['m1:ops'] }, T0 + 100)).toBe(1);
      expect(await queue.redrive({}, T0 + 100)).toBe(0);
      expect(await queue.list({ state: 'dead' })).toEqual([]);
      const [revived] = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 + 100 });
      expect(revived!.record).toMatchObject({ id: 'm1:ops', state: 'pending', attempts: 0, enqueuedAt: T0 + 100 });
      expect(revived!.record.deadAt).toBeUndefined();
    });

    it('stores deliveries enqueued as dead straight to the dead letters', async () => {
      const dead = record('m1:ops', 'ops', T0, { state: 'dead', deadAt: T0 });
      await queue.enqueue(entry('k1', 'm1', T0 + 60_000), [dead], T0);
      expect((await queue.list({ state: 'dead' })).map((letter) => letter.id)).toEqual(['m1:ops']);
      expect(await queue.claim({ channel: 'ops', limit: 1, leaseMs: 1000, now: T0 })).toEqual([]);
    });

    it('adds deliveries without a key (fallback copies)', async () => {
      await queue.add([record('m9:mail:fallback-from-ops', 'mail')]);
      const [claim] = await queue.claim({ channel: 'mail', limit: 1, leaseMs: 1000, now: T0 });
      expect(claim!.record.id).toBe('m9:mail:fallback-from-ops');
    });

    it('reserves an idempotency key for its dedup window: a second enqueue is a duplicate and stores nothing', async () => {
      const now = Date.now();
      expect(await queue.enqueue(entry('alert-1', 'm1', now + 60_000), [record('m1:ops', 'ops')], now)).toEqual({
        duplicate: false,
      });
      const second = await queue.enqueue(entry('alert-1', 'm2', now + 60_000), [record('m2:ops', 'ops')], now);
      expect(second).toMatchObject({
        duplicate: true,
        existing: { key: 'alert-1', messageId: 'm1', channels: ['ops'] },
      });
      expect((await queue.list({ state: 'pending' })).map((pending) => pending.id)).toEqual(['m1:ops']);
    });

    it('forgets a key once its dedup window has passed', async () => {
      const now = Date.now();
      await queue.enqueue(entry('short', 'm1', now + 150), [record('m1:ops', 'ops')], now);
      await new Promise((resolve) => setTimeout(resolve, 250));
      const later = Date.now();
      expect(await queue.enqueue(entry('short', 'm2', later + 150), [record('m2:ops', 'ops')], later)).toEqual({
        duplicate: false,
      });
    });

    it('gives one concurrent enqueue of a key the message and the others the duplicate', async () => {
      const now = Date.now();
      const results = await Promise.all(
        [1, 2, 3, 4].map((n) => queue.enqueue(entry('race', `m${n}`, now + 60_000), [record(`m${n}:ops`, 'ops')], now)),
      );
      expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
      expect(await queue.list({ state: 'pending' })).toHaveLength(1);
    });
  });
}
