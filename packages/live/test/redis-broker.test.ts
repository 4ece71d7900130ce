import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { BrokerMessage } from '@telltale/live';
import { redisBroker } from '@telltale/live/redis';
import { missingPeer } from '../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../test-support/redis-server.js';

const missing = missingPeer('redis-server');
const publication = (data: unknown, minimumId = 0) => ({
  type: 'message',
  data,
  dataJson: JSON.stringify(data),
  publishedAt: Date.now(),
  minimumId,
});

describe.skipIf(missing)('redisBroker on a real redis-server', () => {
  let redis: RedisServer;
  let inspect: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    inspect = new Redis(redis.url);
  });
  afterAll(async () => {
    inspect.disconnect();
    await redis.close();
  });

  it('assigns ids, keeps a capped history with a TTL, and delivers through pub/sub', async () => {
    const publisher = redisBroker({ url: redis.url, history: 3, historyTtl: '10m' });
    const subscriber = redisBroker({ url: redis.url });
    const received: BrokerMessage[] = [];
    const subscription = subscriber.subscribe('jobs/1', (message) => received.push(message));
    await subscription.ready;
    for (let index = 1; index <= 5; index++) await publisher.publish('jobs/1', publication({ index }));
    expect((await publisher.publish('jobs/1', publication('floor', 40))).id).toBe(41);
    await expect.poll(() => received.length).toBe(6);
    expect(received[0]).toMatchObject({
      kind: 'event',
      event: { id: 1, type: 'message', data: { index: 1 }, dataJson: '{"index":1}' },
    });
    const history = await subscriber.history('jobs/1', 3);
    expect(history.events.map((event) => event.id)).toEqual([4, 5, 41]);
    expect(history).toMatchObject({ lastId: 41, truncated: false });
    expect((await subscriber.history('jobs/1', 0)).truncated).toBe(true);
    const ttl = await inspect.ttl('telltale:live:{jobs/1}:history');
    expect(ttl).toBeGreaterThan(500);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(await inspect.llen('telltale:live:{jobs/1}:history')).toBe(3);
    subscription.dispose();
    await publisher.close();
    await subscriber.close();
  });

  it('end(topic) deletes the keys and tells every subscriber', async () => {
    const broker = redisBroker({ url: redis.url, prefix: 'test:' });
    const received: BrokerMessage[] = [];
    const subscription = broker.subscribe('done', (message) => received.push(message));
    await subscription.ready;
    await broker.publish('done', publication(1));
    await broker.end('done');
    await expect.poll(() => received.at(-1)).toEqual({ kind: 'end' });
    expect(await inspect.exists('test:{done}:id', 'test:{done}:history')).toBe(0);
    subscription.dispose();
    await broker.close();
  });

  it('uses a client it is given without quitting it', async () => {
    const client = new Redis(redis.url);
    const broker = redisBroker({ client });
    expect((await broker.publish('given', publication(1))).id).toBe(1);
    await broker.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('rejects publish with TELLTALE_LIVE_BROKER_UNAVAILABLE at once when Redis is down, and recovers', async () => {
    const broker = redisBroker({ url: redis.url, commandTimeout: '1s' });
    await broker.publish('outage', publication('before'));
    await redis.kill();
    const started = Date.now();
    await expect(broker.publish('outage', publication('during', 1))).rejects.toMatchObject({
      code: 'TELLTALE_LIVE_BROKER_UNAVAILABLE',
      details: { operation: 'publish' },
    });
    await expect(broker.history('outage', 0)).rejects.toMatchObject({ code: 'TELLTALE_LIVE_BROKER_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(2500);
    await redis.start();
    // The restarted server is empty: the floor keeps ids going up.
    await expect
      .poll(async () => (await broker.publish('outage', publication('after', 1)).catch(() => undefined))?.id, {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(2);
    await broker.close();
  });

  it('rejects a missing or doubled connection option', () => {
    expect(() => redisBroker({})).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'url' }));
    expect(() => redisBroker({ url: 'redis://x', client: {} as Redis })).toThrow(
      expect.objectContaining({ option: 'url' }),
    );
  });
});
