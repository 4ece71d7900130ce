import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { runOneShot } from '../../../test-support/one-shot.js';
import { startRedisServer, type RedisServer } from '../../../test-support/redis-server.js';

describe('awaited paths in a bare one-shot process', () => {
  it('publish, end and close settle with the embedded broker', async () => {
    const result = await runOneShot(
      `
      import { createLiveHub } from '@telltale/live';
      const hub = createLiveHub({ authorize: () => ({ allow: true, key: 'k' }) });
      const first = await hub.publish('jobs/1', { type: 'progress', data: { percent: 1 } });
      const second = await hub.publish('jobs/1', { data: 'done' });
      await hub.end('jobs/1');
      await hub.close();
      console.log(JSON.stringify({ first, second }));
      `,
      { package: 'live' },
    );
    expect(result).toMatchObject({ code: 0, timedOut: false });
    expect(result.stdout.trim()).toBe('{"first":1,"second":2}');
  });

  const missing = missingPeer('redis-server');
  describe.skipIf(missing)('on Redis', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis.close());

    it('publish right after start-up and close settle, then the process exits', async () => {
      const result = await runOneShot(
        `
        import { createLiveHub } from '@telltale/live';
        import { redisBroker } from '@telltale/live/redis';
        const hub = createLiveHub({ broker: redisBroker({ url: process.env.REDIS_URL }), authorize: () => ({ allow: true, key: 'k' }) });
        const id = await hub.publish('jobs/9', { data: 1 });
        await hub.end('jobs/9');
        await hub.close();
        console.log(JSON.stringify({ id }));
        `,
        { package: 'live', env: { REDIS_URL: redis.url } },
      );
      expect(result).toMatchObject({ code: 0, timedOut: false });
      expect(result.stdout.trim()).toBe('{"id":1}');
    });
  });
});
