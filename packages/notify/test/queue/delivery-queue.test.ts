import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { fileStore, memoryStore, outboxQueue } from '@telltale/notify';
import { redisStore } from '@telltale/notify/redis';
import { missingPeer } from '../../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../../test-support/redis-server.js';
import { describeDeliveryQueue } from './delivery-queue.contract.js';

describeDeliveryQueue('outboxQueue(memoryStore())', () => Promise.resolve({ queue: outboxQueue(memoryStore()) }));

describeDeliveryQueue('outboxQueue(fileStore())', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'telltale-queue-'));
  return {
    queue: outboxQueue(fileStore({ directory, fsync: false })),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
});

const missing = missingPeer('redis-server');
describe.skipIf(missing)('redis store', () => {
  let redis: RedisServer;
  let queues = 0;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.close());
  describeDeliveryQueue('redisStore()', () =>
    Promise.resolve({ queue: redisStore({ url: redis.url, name: `contract-${++queues}` }) }),
  );
});
