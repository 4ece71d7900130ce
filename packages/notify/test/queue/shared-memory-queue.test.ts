// The test-support shared queue (test/support/shared-memory-queue.ts) stands in for the Redis
// store when the behaviour suites run over the shared-queue path: it must keep the DeliveryQueue
// contract, and its throttle must decide as the Redis store's does (checked against Redis when
// redis-server is installed).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TelltaleError } from '@telltale/core';
import {
  memoryStore,
  outboxQueue,
  type ChannelThrottle,
  type DeliveryQueue,
  type OutboxRecord,
} from '@telltale/notify';
import { redisStore } from '@telltale/notify/redis';
import { missingPeer } from '../../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../../test-support/redis-server.js';
import { sharedMemoryQueue } from '../support/shared-memory-queue.js';
import { describeDeliveryQueue } from './delivery-queue.contract.js';

describeDeliveryQueue('sharedMemoryQueue()', () => Promise.resolve({ queue: sharedMemoryQueue() }));

// In the future, so a pause is still ahead of the Redis store's own clock.
const T0 = 1_800_000_000_000;

function due(id: string, channel: string): OutboxRecord {
  return {
    id,
    messageId: id,
    channel,
    idempotencyKey: `key-${id}`,
    message: { subject: id, to: [], severity: 'info' } as unknown as OutboxRecord['message'],
    state: 'pending',
    attempts: 0,
    enqueuedAt: T0,
    nextAttemptAt: T0,
  };
}

function describeThrottle(name: string, factory: () => DeliveryQueue): void {
  describe(`shared throttle: ${name}`, () => {
    let queue: DeliveryQueue;
    let throttle: ChannelThrottle;
    beforeEach(async () => {
      queue = factory();
      await queue.open();
      expect(queue.throttle).toBeDefined();
      throttle = queue.throttle!;
    });
    afterEach(() => queue.close());

    it('hands out the burst at once, then one token per 1/perSecond by the time it is given', async () => {
      const limit = { perSecond: 2, burst: 2 };
      expect(await throttle.acquire('ops', limit, T0)).toBe(0);
      expect(await throttle.acquire('ops', limit, T0)).toBe(0);
      expect(await throttle.acquire('ops', limit, T0)).toBe(500);
      expect(await throttle.acquire('ops', limit, T0 + 250)).toBe(250);
      expect(await throttle.acquire('ops', limit, T0 + 500)).toBe(0);
      // Another channel has a bucket of its own.
      expect(await throttle.acquire('email', limit, T0 + 500)).toBe(0);
    });

    it('a pause holds tokens and claims of that channel until it ends, and is never shortened', async () => {
      await queue.add([due('m1:ops', 'ops'), due('m2:email', 'email')]);
      await throttle.pause('ops', T0 + 5_000);
      await throttle.pause('ops', T0 + 1_000);
      expect(await throttle.acquire('ops', undefined, T0 + 1_000)).toBe(4_000);
      expect(await throttle.acquire('ops', { perSecond: 1, burst: 1 }, T0 + 4_999)).toBe(1);
      expect(await queue.claim({ channel: 'ops', limit: 5, leaseMs: 60_000, now: T0 + 4_999 })).toEqual([]);
      expect(await throttle.acquire('email', undefined, T0 + 1_000)).toBe(0);
      const email = await queue.claim({ channel: 'email', limit: 5, leaseMs: 60_000, now: T0 + 1_000 });
      expect(email.map((claim) => claim.record.id)).toEqual(['m2:email']);
      expect(await throttle.acquire('ops', undefined, T0 + 5_000)).toBe(0);
      const ops = await queue.claim({ channel: 'ops', limit: 5, leaseMs: 60_000, now: T0 + 5_000 });
      expect(ops.map((claim) => claim.record.id)).toEqual(['m1:ops']);
    });
  });
}

describeThrottle('sharedMemoryQueue()', () => sharedMemoryQueue());

describe('outboxQueue: an enqueue of a key whose write is under way', () => {
  async function racing(failFirst: boolean) {
    const inner = memoryStore();
    let open = (): void => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    let failures = failFirst ? 2 : 0;
    const write = async (operation: () => Promise<void>): Promise<void> => {
      await gate;
      if (failures-- > 0) throw new TelltaleError('TELLTALE_NOTIFY_STORE_WRITE', 'disk full');
      await operation();
    };
    const queue = outboxQueue({
      ...inner,
      save: (record) => write(() => inner.save(record)),
      rememberKey: (key) => write(() => inner.rememberKey(key)),
    });
    await queue.open();
    const key = { key: 'k', messageId: 'm1', channels: ['ops'], expiresAt: T0 + 60_000 };
    const first = queue.enqueue(key, [due('m1:ops', 'ops')], T0);
    const second = queue.enqueue({ ...key, messageId: 'm2' }, [due('m2:ops', 'ops')], T0);
    open();
    const outcomes = await Promise.allSettled([first, second]);
    const pending = await queue.list({ state: 'pending' });
    return { outcomes, pending: pending.map((record) => record.id) };
  }

  it('is the duplicate once that write succeeded', async () => {
    const { outcomes, pending } = await racing(false);
    expect(outcomes.map((outcome) => outcome.status === 'fulfilled' && outcome.value.duplicate)).toEqual([false, true]);
    expect(pending).toEqual(['m1:ops']);
  });

  it('goes ahead as the first when that write failed, rather than the duplicate of nothing stored', async () => {
    const { outcomes, pending } = await racing(true);
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: { code: 'TELLTALE_NOTIFY_STORE_WRITE' } });
    expect(outcomes[1]).toMatchObject({ status: 'fulfilled', value: { duplicate: false } });
    expect(pending).toEqual(['m2:ops']);
  });
});

const missing = missingPeer('redis-server');
describe.skipIf(missing)('the Redis store, for comparison', () => {
  let redis: RedisServer;
  let queues = 0;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.close());
  describeThrottle('redisStore()', () => redisStore({ url: redis.url, name: `throttle-${++queues}` }));
});
