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

  it('a job fed to a topic: done, then feed.close() ends the topic at once despite a long grace', async () => {
    const result = await runOneShot(
      `
      import { createJobs } from '@telltale/jobs';
      import { createLiveHub, liveFeed, memoryBroker } from '@telltale/live';
      const broker = memoryBroker();
      const hub = createLiveHub({ broker, authorize: () => ({ allow: true, key: 'k' }) });
      const jobs = createJobs({ types: { work: { handler: async (_payload, { progress }) => { progress(50); return 'ok'; } } } });
      const feed = liveFeed(jobs, hub, { topic: (event) => 'jobs/' + event.id, endAfter: '1h' });
      const seen = [];
      const { id, done } = await jobs.submit('work', {});
      broker.subscribe('jobs/' + id, (message) => seen.push(message.kind === 'end' ? 'end' : message.event.type));
      const result = await done;
      await feed.close();
      await jobs.close();
      await hub.close();
      console.log(JSON.stringify({ result, seen }));
      `,
      { package: 'live' },
    );
    expect(result).toMatchObject({ code: 0, timedOut: false });
    expect(JSON.parse(result.stdout.trim())).toEqual({
      result: 'ok',
      seen: ['started', 'progressed', 'completed', 'end'],
    });
  });

  it('the grace timer before hub.end never holds a finished one-shot process open', async () => {
    const started = Date.now();
    const result = await runOneShot(
      `
      import { createJobs } from '@telltale/jobs';
      import { createLiveHub, liveFeed } from '@telltale/live';
      const hub = createLiveHub({ authorize: () => ({ allow: true, key: 'k' }) });
      const jobs = createJobs({ types: { work: { handler: () => 'ok' } } });
      liveFeed(jobs, hub, { topic: (event) => 'jobs/' + event.id, endAfter: '1h' });
      const { done } = await jobs.submit('work', {});
      console.log(await done);
      `,
      { package: 'live', timeoutMs: 10_000 },
    );
    expect(result).toMatchObject({ code: 0, timedOut: false });
    expect(result.stdout.trim()).toBe('ok');
    expect(Date.now() - started).toBeLessThan(10_000);
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
