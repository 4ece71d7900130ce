import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { startRedisServer, type RedisServer } from '../../../test-support/redis-server.js';
import { openSse, openWs } from './helpers.js';
import { startInstance, type Instance } from './instances.js';

const missing = missingPeer('redis-server');

describe.skipIf(missing)('two hub instances in separate processes on one redis-server', () => {
  let redis: RedisServer;
  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    redis = await startRedisServer();
    [a, b] = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
  }, 30_000);
  afterAll(async () => {
    for (const instance of [a, b]) instance?.child.kill('SIGTERM');
    await redis?.close();
  });

  it('delivers an event published on A to SSE, WebSocket and polling clients on B', async () => {
    const sse = await openSse(`${b.base}/live/jobs/1`);
    const ws = await openWs(`${b.base.replace('http', 'ws')}/live/jobs/1`);
    await expect.poll(async () => (await b.stats()).connections).toBe(2);
    const poll = fetch(`${b.base}/live/jobs/1?after=0&wait=10`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await a.publish('jobs/1', { step: 1 })).toBe(1);
    expect(await sse.waitFor(1)).toEqual([{ id: '1', event: 'message', data: '{"step":1}' }]);
    expect(await ws.waitFor(1)).toEqual([{ id: 1, type: 'message', data: { step: 1 } }]);
    expect(await (await poll).json()).toEqual({
      events: [{ id: 1, type: 'message', data: { step: 1 } }],
      lastId: 1,
      truncated: false,
    });
    sse.close();
    ws.socket.close();
  });

  it('gives a client that reconnects to A with its last id exactly the events it missed', async () => {
    const first = await openSse(`${b.base}/live/jobs/2`);
    await expect.poll(async () => (await b.stats()).connections).toBe(1);
    await a.publish('jobs/2', 'one');
    await b.publish('jobs/2', 'two');
    const seen = await first.waitFor(2);
    first.close();
    const lastId = seen.at(-1)!.id!;
    await b.publish('jobs/2', 'three');
    await a.publish('jobs/2', 'four');
    const sse = await openSse(`${a.base}/live/jobs/2`, { 'last-event-id': lastId });
    const ws = await openWs(`${a.base.replace('http', 'ws')}/live/jobs/2?lastEventId=${lastId}`);
    expect((await sse.waitFor(2)).map((frame) => [frame.id, frame.data])).toEqual([
      ['3', '"three"'],
      ['4', '"four"'],
    ]);
    expect((await ws.waitFor(2)).map((message) => message.data)).toEqual(['three', 'four']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sse.frames).toHaveLength(2);
    expect(ws.messages).toHaveLength(2);
    sse.close();
    ws.socket.close();
  });

  it('survives Redis being killed mid-stream and resumes cross-instance delivery by itself', async () => {
    const onB = await openSse(`${b.base}/live/jobs/3`);
    const onA = await openSse(`${a.base}/live/jobs/3`);
    await expect.poll(async () => (await a.stats()).connections + (await b.stats()).connections).toBe(2);
    await a.publish('jobs/3', 'before');
    await onB.waitFor(1);
    await redis.kill();
    // Local delivery continues on A; the error is logged; nobody crashes.
    const during = await a.publish('jobs/3', 'during');
    expect(during).toBe(2);
    expect((await onA.waitFor(2)).at(-1)).toMatchObject({ id: '2', data: '"during"' });
    expect((await a.stats()).errors).toBeGreaterThan(0);
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    await redis.start();
    // B resubscribes by itself; publish on A until B sees an event again.
    let attempt = 0;
    await expect
      .poll(
        async () => {
          await a.publish('jobs/3', `after ${++attempt}`).catch(() => 0);
          return onB.frames.filter((frame) => frame.data?.startsWith('"after')).length;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toBeGreaterThan(0);
    const ids = onB.frames.map((frame) => Number(frame.id));
    expect(ids[0]).toBe(1);
    expect(ids.slice(1).every((id) => id > 2)).toBe(true); // ids keep rising past the outage
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    onA.close();
    onB.close();
  }, 30_000);
});
