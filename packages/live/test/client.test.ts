import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { subscribe, type ClientEvent, type SubscribeOptions } from '@telltale/live/client';
import { startHub, until, type TestHub } from './helpers.js';

// Node 20 has fetch but neither EventSource nor a global WebSocket: the
// client runs here with ws injected; the SSE path runs in Chromium (live-browser test).
describe('browser client (in Node)', () => {
  let running: TestHub | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  const run = (url: string, options: SubscribeOptions) => {
    const events: ClientEvent[] = [];
    const states: string[] = [];
    const subscription = subscribe(url, (event) => events.push(event), {
      ...options,
      onStatus: (status) => states.push(`${status.state}:${status.transport ?? ''}`),
    });
    return { events, states, subscription };
  };

  for (const transport of ['websocket', 'polling'] as const) {
    it(`receives events over ${transport}, resumes after the connection drops and stops on end`, async () => {
      running = await startHub({ idleTimeout: '1h' });
      const sockets = new Set<Socket>();
      running.server.on('connection', (socket: Socket) => sockets.add(socket));
      const { events, states, subscription } = run(`${running.base}/live/jobs/1`, {
        transports: [transport],
        WebSocket: WebSocket as unknown as SubscribeOptions['WebSocket'],
        initialDelay: 20,
        pollWait: 5,
      });
      await until(() => states.includes(`open:${transport}`));
      await until(() => running!.hub.stats().topics === 1, 3000, 'the stream or long poll');
      await running.hub.publish('jobs/1', { type: 'progress', data: 1 });
      await until(() => events.length === 1);
      // Cut every connection, publish while the client is away: it must resume with the missed event.
      for (const socket of sockets) socket.destroy();
      await running.hub.publish('jobs/1', { type: 'progress', data: 2 });
      await running.hub.publish('jobs/1', { type: 'progress', data: 3 });
      await until(() => events.length === 3, 5000, 'both missed events after reconnecting');
      expect(states.filter((state) => state.startsWith('open')).length).toBeGreaterThanOrEqual(2);
      await until(() => running!.hub.stats().topics === 1, 3000, 'the stream or long poll');
      await running.hub.end('jobs/1');
      await until(() => states.at(-1) === `ended:${transport}` || transport === 'polling', 3000, 'the end');
      await running.hub.publish('jobs/1', { data: 'after end' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(events.slice(0, 3)).toEqual([
        { id: 1, type: 'progress', data: 1 },
        { id: 2, type: 'progress', data: 2 },
        { id: 3, type: 'progress', data: 3 },
      ]);
      if (transport === 'websocket') expect(events).toHaveLength(3);
      await subscription.close();
    });
  }

  it('falls back to the next transport when one cannot open, and resumes from the last id', async () => {
    running = await startHub();
    running.server.removeAllListeners('upgrade');
    await running.hub.publish('t', { data: 'one' });
    const { events, states, subscription } = run(`${running.base}/live/t`, {
      transports: ['websocket', 'polling'],
      lastEventId: 0,
      // A real WebSocket that cannot open: this server serves no upgrades.
      WebSocket: WebSocket as unknown as SubscribeOptions['WebSocket'],
      pollWait: 1,
    });
    await until(() => events.length === 1);
    expect(states.slice(0, 4)).toEqual([
      'connecting:websocket',
      'waiting:websocket',
      'connecting:polling',
      'open:polling',
    ]);
    expect(subscription.transport).toBe('polling');
    expect(events).toEqual([{ id: 1, type: 'message', data: 'one' }]);
    await subscription.close();
  });

  it('stops and reports a refusal retrying cannot fix', async () => {
    running = await startHub({ authorize: () => ({ allow: false, status: 403 }) });
    const errors: unknown[] = [];
    const subscription = subscribe(`${running.base}/live/t`, () => {}, {
      transports: ['polling'],
      onError: (error) => errors.push(error),
    });
    await until(() => errors.length === 1);
    expect(errors).toEqual([{ status: 403, body: { error: 'forbidden', message: 'Forbidden' } }]);
    expect(subscription.transport).toBeUndefined();
  });
});
