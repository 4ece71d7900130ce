import { afterEach, describe, expect, it } from 'vitest';
import { startHub, type TestHub } from './helpers.js';

describe('polling transport', () => {
  let running: TestHub | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('returns the events after ?after= as JSON with an ETag of the latest id', async () => {
    running = await startHub();
    for (let index = 1; index <= 3; index++) await running.hub.publish('jobs/7', { type: 'progress', data: { index } });
    const response = await fetch(`${running.base}/live/jobs/7?after=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"3"');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({
      events: [
        { id: 2, type: 'progress', data: { index: 2 } },
        { id: 3, type: 'progress', data: { index: 3 } },
      ],
      lastId: 3,
      truncated: false,
    });
  });

  it('answers 304 to If-None-Match with the current tag, 200 once there is more', async () => {
    running = await startHub();
    await running.hub.publish('t', { data: 1 });
    const notModified = await fetch(`${running.base}/live/t?after=1`, { headers: { 'if-none-match': '"1"' } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe('"1"');
    await running.hub.publish('t', { data: 2 });
    const modified = await fetch(`${running.base}/live/t?after=1`, { headers: { 'if-none-match': '"1"' } });
    expect(modified.status).toBe(200);
    expect(await modified.json()).toMatchObject({ events: [{ id: 2, data: 2 }], lastId: 2 });
  });

  it('holds a long poll until an event arrives', async () => {
    running = await startHub();
    const started = Date.now();
    const pending = fetch(`${running.base}/live/t?after=0&wait=10`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(running.hub.stats().topics).toBe(1);
    await running.hub.publish('t', { type: 'done', data: { ok: true } });
    const response = await pending;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await response.json()).toEqual({
      events: [{ id: 1, type: 'done', data: { ok: true } }],
      lastId: 1,
      truncated: false,
    });
    expect(running.hub.stats().topics).toBe(0);
  });

  it('ends a long poll with no event after the wait, bounded by maxPollWait', async () => {
    running = await startHub({ maxPollWait: 100 });
    const started = Date.now();
    const response = await fetch(`${running.base}/live/t?after=0&wait=60`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await response.json()).toEqual({ events: [], lastId: 0, truncated: false });
  });

  it('says truncated when the missed events left the bounded history', async () => {
    running = await startHub({ history: 2 });
    for (let index = 1; index <= 5; index++) await running.hub.publish('t', { data: index });
    const response = await fetch(`${running.base}/live/t?after=1`);
    expect(await response.json()).toMatchObject({ events: [{ id: 4 }, { id: 5 }], lastId: 5, truncated: true });
  });

  it('answers 400 to a malformed after or wait, and 405 to other methods', async () => {
    running = await startHub();
    expect((await fetch(`${running.base}/live/t?after=abc`)).status).toBe(400);
    expect((await fetch(`${running.base}/live/t?wait=-1`)).status).toBe(400);
    const post = await fetch(`${running.base}/live/t`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(running.hub.stats().keys).toBe(0);
  });
});
