import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '@telltale/core';
import { openSse, startHub, until, type TestHub } from './helpers.js';

describe('SSE transport', () => {
  let running: TestHub | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('streams published events with id, event and one data line of JSON', async () => {
    running = await startHub({ topics: ['jobs/:jobId'] });
    const client = await openSse(`${running.base}/live/jobs/42`);
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['x-content-type-options']).toBe('nosniff');
    await until(() => running!.hub.stats().connections === 1);
    const first = await running.hub.publish('jobs/42', { type: 'progress', data: { percent: 10, note: 'a\nb' } });
    const second = await running.hub.publish('jobs/42', { data: 'done' });
    expect([first, second]).toEqual([1, 2]);
    expect(await client.waitFor(2)).toEqual([
      { id: '1', event: 'progress', data: '{"percent":10,"note":"a\\nb"}' },
      { id: '2', event: 'message', data: '"done"' },
    ]);
    client.close();
  });

  it('resumes from Last-Event-ID with exactly the missed events', async () => {
    running = await startHub();
    for (let index = 1; index <= 5; index++) await running.hub.publish('t', { data: index });
    const client = await openSse(`${running.base}/live/t`, { 'last-event-id': '2' });
    expect((await client.waitFor(3)).map((frame) => frame.data)).toEqual(['3', '4', '5']);
    await running.hub.publish('t', { data: 6 });
    expect((await client.waitFor(4)).map((frame) => frame.id)).toEqual(['3', '4', '5', '6']);
    client.close();
  });

  it('replays only the latest event to a stream that does not resume', async () => {
    running = await startHub();
    await running.hub.publish('t', { data: 'old' });
    await running.hub.publish('t', { data: 'current' });
    const client = await openSse(`${running.base}/live/t`);
    expect(await client.waitFor(1)).toEqual([{ id: '2', event: 'message', data: '"current"' }]);
    client.close();
  });

  it('sends a final end event and closes the stream when the topic ends', async () => {
    running = await startHub();
    const client = await openSse(`${running.base}/live/jobs/1`);
    await until(() => running!.hub.stats().connections === 1);
    await running.hub.end('jobs/1');
    await client.ended;
    expect(client.frames.at(-1)).toEqual({ event: 'end', data: 'null' });
    expect(running.hub.stats()).toMatchObject({ connections: 0, topics: 0 });
  });

  it('writes heartbeat comments every heartbeat interval', async () => {
    const clock = createManualClock({ now: 0 });
    running = await startHub({ clock, heartbeat: '15s' });
    const client = await openSse(`${running.base}/live/t`);
    await until(() => running!.hub.stats().connections === 1);
    clock.advance(15_000);
    clock.advance(15_000);
    await until(() => client.comments === 2, 2000, 'two heartbeats');
    client.close();
  });

  it('closes a stream after the idle timeout with no event, and not before', async () => {
    const clock = createManualClock({ now: 0 });
    running = await startHub({ clock, idleTimeout: '5m', heartbeat: '1m' });
    const client = await openSse(`${running.base}/live/t`);
    await until(() => running!.hub.stats().connections === 1);
    clock.advance(4 * 60_000);
    await running.hub.publish('t', { data: 'activity' });
    await client.waitFor(1);
    clock.advance(4 * 60_000); // 8 minutes since open, 4 since the last event
    expect(running.hub.stats().connections).toBe(1);
    clock.advance(60_000);
    await client.ended;
    expect(running.hub.stats().connections).toBe(0);
  });

  it('closes an idle stream on the real clock (heartbeats are not activity)', async () => {
    running = await startHub({ idleTimeout: 300, heartbeat: 100 });
    const client = await openSse(`${running.base}/live/t`);
    const started = Date.now();
    await client.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(client.comments).toBeGreaterThanOrEqual(2);
    expect(running.hub.stats().connections).toBe(0);
  });

  it('never opens a stream for a path outside the mounted topics', async () => {
    running = await startHub({ topics: ['jobs/:jobId'] });
    const response = await fetch(`${running.base}/live/other/1`, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ error: 'not_found', message: 'No such live topic' });
  });
});
