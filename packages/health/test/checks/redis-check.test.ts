import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '@telltale/core';
import { createHealthRegistry, redisCheck } from '@telltale/health';
import { missingPeer } from '../../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../../test-support/redis-server.js';

const signal = new AbortController().signal;
const missing = missingPeer('redis-server');

describe('redisCheck with a manual clock', () => {
  it('rejects a client without ping()', () => {
    expect(() => redisCheck({} as Redis)).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG' }));
    expect(() => redisCheck({ ping: () => Promise.resolve('PONG') }, { degradedAfter: -1 })).toThrow(
      /redisCheck\.degradedAfter/,
    );
  });

  it('warns at degradedAfter and fails with TELLTALE_TIMEOUT past the timeout', async () => {
    const clock = createManualClock();
    let answer: (value: string) => void = () => {};
    const client = { ping: () => new Promise<string>((resolve) => (answer = resolve)) };
    const check = redisCheck(client, { degradedAfter: '100ms', timeout: '1s', clock });

    const slow = check({ signal });
    clock.advance(150);
    answer('PONG');
    expect(await slow).toMatchObject({ status: 'warn', observedValue: 150, observedUnit: 'ms' });

    const stuck = check({ signal });
    clock.advance(1000);
    await expect(stuck).rejects.toMatchObject({ code: 'TELLTALE_TIMEOUT' });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fails when the answer is not PONG', async () => {
    const result = await redisCheck({ ping: () => Promise.resolve('NOPE') })({ signal });
    expect(result).toMatchObject({ status: 'fail', output: 'redis did not answer PING with PONG' });
  });
});

describe.skipIf(missing)('redisCheck against redis-server', () => {
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  it('passes, fails at once while Redis is down, and passes again after it restarts', async () => {
    const check = redisCheck(client, { timeout: '1s' });
    expect(await check({ signal })).toMatchObject({ status: 'pass', observedUnit: 'ms' });

    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    const health = createHealthRegistry({ defaultTimeout: '3s', cacheFor: 0 });
    health.register('redis', check, { tags: ['ready'] });
    const down = await health.readiness();
    expect(down.status).toBe('fail');
    expect(down.checks?.['redis:responseTime']?.[0]?.output).toMatch(
      /redis client is (reconnecting|close)|max retries per request|ECONNREFUSED|TELLTALE_TIMEOUT/,
    );
    expect(performance.now() - started).toBeLessThan(1500);

    await redis.start();
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    expect((await health.readiness()).status).toBe('pass');
    await health.close();
  });
});
