import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCancelChannel, type CancelChannel } from '../src/bullmq/cancel-channel.js';
import { missingPeer } from '../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../test-support/redis-server.js';

const missing = missingPeer('redis-server');

describe.skipIf(missing)('cancel channel (real redis-server)', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  const channels: CancelChannel[] = [];
  const client = () => {
    const created = new Redis(redis.url, { maxRetriesPerRequest: null });
    clients.push(created);
    return created;
  };
  const open = async (onCancel: (id: string) => boolean, now = () => Date.now()) => {
    const channel = await createCancelChannel(client(), client(), { prefix: 'cc', ttl: 10_000, now, onCancel });
    channels.push(channel);
    return channel;
  };
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    for (const channel of channels) await channel.close();
    for (const created of clients) created.disconnect();
    await redis?.close();
  });

  it('aborts a job running in the receiving process, and remembers one that is not running yet', async () => {
    const running = new Set(['jobs.a']);
    const aborted: string[] = [];
    let now = 1_000;
    const worker = await open(
      (id) => (running.has(id) ? (aborted.push(id), true) : false),
      () => now,
    );
    const web = await open(() => false);
    await web.request('jobs.a');
    await web.request('jobs.b');
    await expect.poll(() => worker.requested('jobs.b', false)).toBe(true);
    expect(aborted).toEqual(['jobs.a']);
    // Delivered to the running job, so not remembered as pending.
    expect(worker.requested('jobs.a', false)).toBe(false);
    // A first attempt asks nothing of Redis: the answer is synchronous.
    expect(typeof worker.requested('jobs.c', false)).toBe('boolean');
    // Remembered for the marker TTL only.
    now += 10_001;
    expect(worker.requested('jobs.b', false)).toBe(false);
  });

  it('a process that was not listening sees the marker only for a retry or take-over', async () => {
    const web = await open(() => false);
    await web.request('jobs.late');
    const later = await open(() => false);
    expect(later.requested('jobs.late', false)).toBe(false);
    await expect(later.requested('jobs.late', true)).resolves.toBe(true);
    await expect(later.requested('jobs.other', true)).resolves.toBe(false);
  });
});
