import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../test-support/redis-server.js';
import { openSse, type SseClient } from './helpers.js';
import { startInstance, type Instance } from './instances.js';

const missing = missingPeer('redis-server');

/** Opens a stream as `user`, or resolves with the refusal's status and body. */
async function open(instance: Instance, user: string): Promise<SseClient> {
  return await openSse(`${instance.base}/live/sessions/1`, { 'x-user': user });
}

async function refusal(instance: Instance, user: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${instance.base}/live/sessions/1`, {
    headers: { accept: 'text/event-stream', 'x-user': user },
  });
  const body: unknown = response.status === 200 ? undefined : await response.json();
  if (response.status === 200) await response.body?.cancel();
  return { status: response.status, body };
}

describe.skipIf(missing)('maxConnectionsPerKey across two hub processes on one redis-server', () => {
  let redis: RedisServer;
  let a: Instance;
  let b: Instance;
  const streams: SseClient[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    // A short lease, so a SIGKILLed instance's counts expire within the test.
    [a, b] = await Promise.all([startInstance(redis.url, '900ms'), startInstance(redis.url, '900ms')]);
  }, 30_000);
  afterAll(async () => {
    for (const stream of streams) stream.close();
    for (const instance of [a, b]) instance?.child.kill('SIGTERM');
    await redis?.close();
  });

  it('counts one key across instances, gives slots back on close and frees a SIGKILLed instance’s slots', async () => {
    streams.push(await open(a, 'ann'), await open(a, 'ann'), await open(b, 'ann'));
    for (const stream of streams) expect(stream.status).toBe(200);
    // Three per key in total, not three per process.
    expect(await refusal(b, 'ann')).toMatchObject({ status: 429, body: { error: 'too_many_connections', limit: 3 } });
    expect(await refusal(a, 'ann')).toMatchObject({ status: 429 });
    const other = await open(b, 'bob');
    expect(other.status).toBe(200);
    other.close();

    // Closing the stream on B frees a slot that A can take.
    streams.pop()!.close();
    await expect.poll(async () => (await b.stats()).connections).toBe(0);
    await expect.poll(async () => (await refusal(a, 'ann')).status, { timeout: 3000 }).toBe(200);
    await expect.poll(async () => (await a.stats()).connections).toBe(2);
    streams.push(await open(a, 'ann'));
    expect(streams.at(-1)!.status).toBe(200);
    expect(await refusal(b, 'ann')).toMatchObject({ status: 429 });

    // A dies without closing: its three slots stay taken until its lease expires, then B gets them.
    a.child.kill('SIGKILL');
    expect(await refusal(b, 'ann')).toMatchObject({ status: 429 });
    const killedAt = Date.now();
    await expect.poll(async () => (await refusal(b, 'ann')).status, { timeout: 5000, interval: 100 }).toBe(200);
    expect(Date.now() - killedAt).toBeLessThan(4000);
    for (let index = 0; index < 3; index++) streams.push(await open(b, 'ann'));
    expect(streams.slice(-3).map((stream) => stream.status)).toEqual([200, 200, 200]);
    expect(await refusal(b, 'ann')).toMatchObject({ status: 429 });
  }, 20_000);

  it('admits on the per-instance count while Redis is down (fail open), and restores the shared count after', async () => {
    // B holds three "ann" streams from the previous case.
    await redis.kill();
    const during = await open(b, 'cy');
    expect(during.status).toBe(200);
    streams.push(during);
    // The per-instance cap still holds without Redis.
    expect(await refusal(b, 'ann')).toMatchObject({ status: 429 });
    await redis.start();
    // Redis came back empty: B rewrites its counts from what it holds, so a new instance sees them.
    const c = await startInstance(redis.url, '900ms');
    try {
      await expect.poll(async () => (await refusal(c, 'ann')).status, { timeout: 5000, interval: 100 }).toBe(429);
      expect((await b.stats()).connections).toBe(4);
    } finally {
      c.child.kill('SIGTERM');
    }
  }, 20_000);
});
