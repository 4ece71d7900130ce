import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../../test-support/redis-server.js';
import { instrumentRedis } from '../../src/redis/index.js';
import { createRequestTiming, runWithRequestTiming } from '../../src/server-timing/request-timing.js';
import { createTestMeter } from '../support.js';

const missing = missingPeer('redis-server');

describe('instrumentRedis', () => {
  it('rejects something that is not an ioredis client, and a second instrumentation', () => {
    expect(() => instrumentRedis({} as Redis)).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG' }));
    const client = new Redis({ lazyConnect: true });
    const first = instrumentRedis(client);
    expect(() => instrumentRedis(client)).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG' }));
    first.dispose();
    instrumentRedis(client).dispose();
    client.disconnect();
  });
});

describe.skipIf(missing)('instrumentRedis against redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server?.close());

  it('records each command, pipelined ones included, with semconv attributes and no keys or values', async () => {
    const telemetry = createTestMeter();
    const client = new Redis(server.url, { db: 3, lazyConnect: true });
    const instrumented = instrumentRedis(client, { meterProvider: telemetry.meterProvider });
    await client.connect();
    await client.set('reading:secret-key', 'secret-value');
    await client.get('reading:secret-key');
    await client.get('reading:other');
    await client.pipeline().incr('counter').incr('counter').exec();
    await expect(client.hget('reading:secret-key', 'field')).rejects.toThrow(/WRONGTYPE/);

    const series = await telemetry.histogram('db.client.operation.duration');
    const count = (operation: string, errorType?: string) =>
      series.find(
        (one) => one.attributes['db.operation.name'] === operation && one.attributes['error.type'] === errorType,
      )?.count;
    expect(count('SET')).toBe(1);
    expect(count('GET')).toBe(2);
    expect(count('INCR')).toBe(2);
    expect(count('HGET', 'WRONGTYPE')).toBe(1);
    expect(series.find((one) => one.attributes['db.operation.name'] === 'GET')?.attributes).toEqual({
      'db.system.name': 'redis',
      'db.namespace': '3',
      'db.operation.name': 'GET',
    });
    expect(JSON.stringify(series.map((one) => one.attributes))).not.toMatch(/secret|reading:/);

    instrumented.dispose();
    await client.get('reading:other');
    expect(
      await telemetry
        .histogram('db.client.operation.duration')
        .then((all) => all.find((one) => one.attributes['db.operation.name'] === 'GET')?.count),
    ).toBe(2);
    client.disconnect();
  });

  it('times a command queued while offline once, and a failed one with the client error type', async () => {
    const telemetry = createTestMeter();
    const patient = new Redis(server.url, { maxRetriesPerRequest: 100, retryStrategy: () => 20 });
    const impatient = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 20, db: 1 });
    for (const client of [patient, impatient]) {
      client.on('error', () => {});
      instrumentRedis(client, { meterProvider: telemetry.meterProvider });
      await client.ping();
    }
    await server.kill();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Sits in the offline queue, then passes through sendCommand again when the queue is flushed.
    const queued = patient.get('k');
    await expect(impatient.get('k')).rejects.toThrow();
    await server.start();
    expect(await queued).toBeNull();

    const gets = (await telemetry.histogram('db.client.operation.duration')).filter(
      (one) => one.attributes['db.operation.name'] === 'GET',
    );
    const byNamespace = (namespace: string) => gets.filter((one) => one.attributes['db.namespace'] === namespace);
    expect(byNamespace('0')).toEqual([expect.objectContaining({ count: 1 })]);
    expect(byNamespace('0')[0]!.attributes['error.type']).toBeUndefined();
    expect(byNamespace('1')).toEqual([expect.objectContaining({ count: 1 })]);
    expect(byNamespace('1')[0]!.attributes['error.type']).toBe('MaxRetriesPerRequestError');
    patient.disconnect();
    impatient.disconnect();
  });

  it("adds each command's time to the request's Server-Timing as redis", async () => {
    const client = new Redis(server.url);
    instrumentRedis(client);
    await client.ping();
    const timing = createRequestTiming();
    await runWithRequestTiming(timing, async () => {
      await client.set('a', '1');
      await client.get('a');
    });
    expect(timing.names).toEqual(['redis']);
    expect(timing.milliseconds[0]).toBeGreaterThan(0);
    client.disconnect();
  });
});
