import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '@telltale/core';
import { openWs, startHub, until, type TestHub } from './helpers.js';

describe('WebSocket transport', () => {
  let running: TestHub | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  const wsBase = (hub: TestHub): string => hub.base.replace('http', 'ws');

  it('upgrades on the same path and sends { id, type, data } messages', async () => {
    running = await startHub({ topics: ['jobs/:jobId'] });
    const client = await openWs(`${wsBase(running)}/live/jobs/42`);
    await until(() => running!.hub.stats().byTransport.websocket === 1);
    await running.hub.publish('jobs/42', { type: 'progress', data: { percent: 50 } });
    expect(await client.waitFor(1)).toEqual([{ id: 1, type: 'progress', data: { percent: 50 } }]);
    client.socket.close();
  });

  it('resumes from ?lastEventId= with exactly the missed events', async () => {
    running = await startHub();
    for (let index = 1; index <= 4; index++) await running.hub.publish('t', { data: index });
    const client = await openWs(`${wsBase(running)}/live/t?lastEventId=1`);
    expect((await client.waitFor(3)).map((message) => message.id)).toEqual([2, 3, 4]);
    await running.hub.publish('t', { data: 5 });
    expect((await client.waitFor(4)).map((message) => message.data)).toEqual([2, 3, 4, 5]);
    client.socket.close();
  });

  it('answers 404 to an upgrade for an unknown topic and leaves other paths alone', async () => {
    running = await startHub({ topics: ['jobs/:jobId'] });
    await expect(openWs(`${wsBase(running)}/live/nope`)).rejects.toMatchObject({ status: 404 });
    let otherUpgrade = false;
    running.server.on('upgrade', (request, socket) => {
      if (request.url === '/elsewhere') {
        otherUpgrade = true;
        socket.destroy();
      }
    });
    await expect(openWs(`${wsBase(running)}/elsewhere`)).rejects.toBeDefined();
    expect(otherUpgrade).toBe(true);
  });

  it('sends an end message and closes with 1000 when the topic ends', async () => {
    running = await startHub();
    const client = await openWs(`${wsBase(running)}/live/jobs/1`);
    await until(() => running!.hub.stats().connections === 1);
    await running.hub.end('jobs/1');
    expect(await client.closed).toEqual({ code: 1000, reason: 'topic ended' });
    expect(client.messages.at(-1)).toEqual({ type: 'end', data: null });
  });

  it('closes an idle socket with 4000; client messages count as activity', async () => {
    const clock = createManualClock({ now: 0 });
    running = await startHub({ clock, idleTimeout: '5m', heartbeat: '10m' });
    const client = await openWs(`${wsBase(running)}/live/t`);
    await until(() => running!.hub.stats().connections === 1);
    clock.advance(4 * 60_000);
    client.socket.send('still here');
    await new Promise((resolve) => setTimeout(resolve, 50));
    clock.advance(2 * 60_000);
    expect(running.hub.stats().connections).toBe(1);
    clock.advance(3 * 60_000);
    expect(await client.closed).toEqual({ code: 4000, reason: 'idle timeout' });
  });

  it('pings every heartbeat and terminates a peer that never answers', async () => {
    const clock = createManualClock({ now: 0 });
    running = await startHub({ clock, heartbeat: '15s', idleTimeout: '1h' });
    const client = await openWs(`${wsBase(running)}/live/t`, {});
    let pings = 0;
    client.socket.on('ping', () => pings++);
    await until(() => running!.hub.stats().connections === 1);
    clock.advance(15_000);
    await until(() => pings === 1, 2000, 'a ping');
    await new Promise((resolve) => setTimeout(resolve, 30)); // the automatic pong arrives
    clock.advance(15_000);
    await until(() => pings === 2, 2000, 'a second ping');
    expect(running.hub.stats().connections).toBe(1);
    // Stop answering: pause the socket so no pong goes back.
    (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    clock.advance(15_000);
    clock.advance(15_000);
    expect(running.hub.stats().connections).toBe(0);
  });
});
