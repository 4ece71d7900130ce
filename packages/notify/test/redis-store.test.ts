// The notifier on the Redis store, against a real redis-server: two notifiers on one store stand
// for two replicas in one process (test/redis-replicas.test.ts runs separate processes).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createNotifier,
  memoryChannel,
  NotifyDeliveryError,
  NotifyStoreUnavailableError,
  alertmanagerWebhookHandler,
  type Notifier,
} from '@telltale/notify';
import { withAlertmanagerWebhook } from '@telltale/notify/node';
import { redisStore } from '@telltale/notify/redis';
import { runOneShot } from '../../../test-support/one-shot.js';
import { missingPeer } from '../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../test-support/redis-server.js';
import { firingGroup } from './support/alert-groups.js';

const missing = missingPeer('redis-server');

describe.skipIf(missing)('redisStore', () => {
  let redis: RedisServer;
  let names = 0;
  const open: Notifier[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((notifier) => notifier.close({ timeout: '1s' })));
  });
  afterAll(() => redis?.close());

  function replica(name: string, channel = memoryChannel(), extra: { lease?: number; commandTimeout?: number } = {}) {
    const notifier = createNotifier({
      channels: { inbox: channel },
      store: redisStore({ url: redis.url, name, ...extra }),
      retry: { initial: 20, max: 50, maxAttempts: 2 },
    });
    open.push(notifier);
    return { notifier, channel };
  }

  it('delivers a message accepted by one replica exactly once, whichever replica claims it', async () => {
    const name = `once-${++names}`;
    const a = replica(name);
    const b = replica(name);
    const receipts = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        (index % 2 === 0 ? a : b).notifier.send({ subject: `m${index}` }, { idempotencyKey: `once-${index}` }),
      ),
    );
    expect(receipts.every((receipt) => !receipt.duplicate)).toBe(true);
    await a.notifier.flush({ timeout: '10s' });
    const subjects = [...a.channel.delivered, ...b.channel.delivered].map((delivery) => delivery.message.subject);
    expect(subjects.sort()).toEqual(Array.from({ length: 40 }, (_, index) => `m${index}`).sort());
  });

  it('shares one token bucket per channel: burst, then one token per 1/rate on the time it is asked with, stale times earn nothing, a pause holds every store', async () => {
    const name = `bucket-${++names}`;
    const stores = [0, 1, 2].map(() => redisStore({ url: redis.url, name }));
    try {
      const throttles = stores.map((store) => store.throttle!);
      const limit = { perSecond: 5, burst: 2 };
      const t = 1_000_000;
      // The burst, whichever store asks; the third token waits 200 ms (one token at 5/s).
      expect(await throttles[0]!.acquire('ops', limit, t)).toBe(0);
      expect(await throttles[1]!.acquire('ops', limit, t)).toBe(0);
      expect(await throttles[2]!.acquire('ops', limit, t)).toBe(200);
      // 100 ms later half a token has accrued: 100 ms more to wait.
      expect(await throttles[1]!.acquire('ops', limit, t + 100)).toBe(100);
      // A store asking with an older time (a slow clock, a delayed call) earns no tokens for it.
      expect(await throttles[2]!.acquire('ops', limit, t + 50)).toBe(100);
      expect(await throttles[0]!.acquire('ops', limit, t + 200)).toBe(0);
      expect(await throttles[0]!.acquire('ops', limit, t + 200)).toBe(200);
      // Another channel has its own bucket; no limit means no wait.
      expect(await throttles[0]!.acquire('other', limit, t + 200)).toBe(0);
      expect(await throttles[0]!.acquire('free', undefined, t)).toBe(0);
      // Many concurrent askers over 2 s of the bucket's time get burst + rate·T tokens, no more.
      let granted = 0;
      for (let ms = 0; ms <= 2000; ms += 10) {
        const answers = await Promise.all(throttles.map((throttle) => throttle.acquire('race', limit, t + ms)));
        granted += answers.filter((wait) => wait === 0).length;
      }
      expect(granted).toBe(2 + 5 * 2);
      // A 429 pause set by one store holds the others, limited channel or not.
      await throttles[0]!.pause('free', Date.now() + 60_000);
      const held = await throttles[2]!.acquire('free', undefined, Date.now());
      expect(held).toBeGreaterThan(59_000);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('deduplicates an idempotency key sent to another replica within the dedup window', async () => {
    const name = `dedup-${++names}`;
    const a = replica(name);
    const b = replica(name);
    const first = await a.notifier.send({ subject: 'disk full' }, { idempotencyKey: 'alert-disk-full' });
    const second = await b.notifier.send({ subject: 'disk full' }, { idempotencyKey: 'alert-disk-full' });
    expect(second).toMatchObject({ duplicate: true, messageId: first.messageId, channels: ['inbox'] });
    await a.notifier.flush({ timeout: '10s' });
    expect(a.channel.delivered.length + b.channel.delivered.length).toBe(1);
  });

  it('resolves await: delivered on the sending replica when another replica delivered', async () => {
    const name = `await-${++names}`;
    // The sender's only delivery slot hangs on a first message, so it cannot claim the second.
    const hanging = memoryChannel({
      concurrency: 1,
      behavior: (delivery, { signal }) =>
        delivery.message.subject === 'blocker'
          ? new Promise((_, reject) =>
              signal.addEventListener('abort', () => reject(new Error('aborted', { cause: signal.reason })), {
                once: true,
              }),
            )
          : undefined,
    });
    const sender = replica(name, hanging);
    await sender.notifier.send({ subject: 'blocker' });
    await expect.poll(() => hanging.attempts.length, { timeout: 5000 }).toBe(1);
    const worker = replica(name);
    const receipt = await sender.notifier.send({ subject: 'hello' }, { await: 'delivered' });
    expect(receipt.results).toHaveProperty('inbox');
    expect(worker.channel.delivered.map((delivery) => delivery.message.subject)).toEqual(['hello']);
    expect(hanging.delivered).toEqual([]);
  });

  it('shows dead letters to every replica, and redrives them from any', async () => {
    const name = `dead-${++names}`;
    let failing = true;
    const refuse = (): void => {
      if (failing)
        throw new NotifyDeliveryError('HTTP 400', { classification: 'permanent', provider: 'memory', status: 400 });
    };
    const a = replica(name, memoryChannel({ behavior: refuse }));
    const b = replica(name, memoryChannel({ behavior: refuse }));
    await a.notifier.send({ subject: 'bad' }, { idempotencyKey: 'dead-1' });
    await expect.poll(() => b.notifier.deadLetters().length, { timeout: 10_000 }).toBe(1);
    expect(b.notifier.deadLetters()[0]).toMatchObject({ channel: 'inbox', idempotencyKey: 'dead-1' });
    failing = false;
    expect(await b.notifier.redrive()).toBe(1);
    await a.notifier.flush({ timeout: '10s' });
    expect(a.channel.delivered.length + b.channel.delivered.length).toBe(1);
    await expect.poll(() => a.notifier.deadLetters().length, { timeout: 5000 }).toBe(0);
  });

  it('rejects send with TELLTALE_NOTIFY_STORE_UNAVAILABLE naming the store while Redis is down, and recovers by itself', async () => {
    const name = `down-${++names}`;
    const a = replica(name, memoryChannel(), { commandTimeout: 500 });
    await a.notifier.send({ subject: 'before' }, { await: 'delivered' });
    await redis.kill();
    try {
      const failure = a.notifier.send({ subject: 'during' }, { idempotencyKey: 'during-outage' });
      await expect(failure).rejects.toMatchObject({
        code: 'TELLTALE_NOTIFY_STORE_UNAVAILABLE',
        details: { store: 'redis', operation: 'enqueue' },
      });
      await failure.catch((error: unknown) => expect(NotifyStoreUnavailableError.is(error)).toBe(true));
    } finally {
      await redis.start();
    }
    // The same key is accepted once Redis is back: the failed send left no reservation behind.
    await expect
      .poll(
        () =>
          a.notifier.send({ subject: 'after' }, { idempotencyKey: 'during-outage' }).then(
            (receipt) => receipt.duplicate,
            () => 'unavailable',
          ),
        { timeout: 10_000, interval: 200 },
      )
      .toBe(false);
    await a.notifier.flush({ timeout: '10s' });
    expect(a.channel.delivered.map((delivery) => delivery.message.subject)).toEqual(['before', 'after']);
  });

  it('Alertmanager: answers 503 with Retry-After while Redis is down, and accepts the retry once it is back', async () => {
    const { notifier, channel } = replica(`webhook-${++names}`, memoryChannel(), { commandTimeout: 500 });
    const server = createServer(
      withAlertmanagerWebhook(alertmanagerWebhookHandler(notifier, { allowUnauthenticated: true, retryAfter: '30s' })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alertmanager`;
    const post = () =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(firingGroup()),
      });
    try {
      await redis.kill();
      let refused: Response;
      try {
        refused = await post();
      } finally {
        await redis.start();
      }
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(await refused.json()).toMatchObject({ error: { code: 'store-unavailable' } });
      await expect.poll(async () => (await post()).status, { timeout: 10_000, interval: 200 }).toBe(200);
      await notifier.flush({ timeout: '10s' });
      expect(channel.delivered).toHaveLength(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('settles its awaited paths in a bare one-shot process: send, await delivered, flush, close', async () => {
    const result = await runOneShot(
      `
      import { createNotifier, memoryChannel } from '@telltale/notify';
      import { redisStore } from '@telltale/notify/redis';
      const inbox = memoryChannel();
      const notifier = createNotifier({ channels: { inbox }, store: redisStore({ url: ${JSON.stringify(redis.url)}, name: 'one-shot' }) });
      const receipt = await notifier.send({ subject: 'one shot' }, { await: 'delivered' });
      await notifier.flush({ timeout: '5s' });
      await notifier.close();
      console.log(JSON.stringify({ delivered: inbox.delivered.length, duplicate: receipt.duplicate }));
      `,
      { package: 'notify', timeoutMs: 20_000 },
    );
    expect(result).toMatchObject({ code: 0, timedOut: false });
    expect(JSON.parse(result.stdout.trim())).toEqual({ delivered: 1, duplicate: false });
  });
});
