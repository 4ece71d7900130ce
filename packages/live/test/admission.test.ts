import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorizeResult } from '@telltale/live';
import { openSse, openWs, startHub, until, type SseClient, type TestHub } from './helpers.js';

describe('admission: authorize and caps', () => {
  let running: TestHub | undefined;
  const clients: SseClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await running?.close();
    running = undefined;
  });

  const byUser = (request: { headers: Record<string, unknown> }): AuthorizeResult => {
    const user = request.headers['x-user'];
    return typeof user === 'string' ? { allow: true, key: user } : { allow: false };
  };

  it('refuses the 4th connection of one key with 429, a JSON body and Retry-After', async () => {
    running = await startHub({ authorize: byUser, retryAfter: '7s' });
    for (let index = 0; index < 3; index++) {
      clients.push(await openSse(`${running.base}/live/sessions/${index}/status`, { 'x-user': 'u1' }));
    }
    await until(() => running!.hub.stats().connections === 3);
    const response = await fetch(`${running.base}/live/sessions/9/status`, {
      headers: { accept: 'text/event-stream', 'x-user': 'u1' },
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({
      error: 'too_many_connections',
      message: 'At most 3 live connections per client; close one or retry later',
      limit: 3,
    });
    // Another key is not affected, and a WebSocket counts against the same cap.
    clients.push(await openSse(`${running.base}/live/sessions/1/status`, { 'x-user': 'u2' }));
    await expect(openWs(`${running.base.replace('http', 'ws')}/live/x`, { 'x-user': 'u1' })).rejects.toMatchObject({
      status: 429,
    });
    // Closing one frees a slot.
    clients.shift()!.close();
    await until(() => running!.hub.stats().connections === 3);
    clients.push(await openSse(`${running.base}/live/sessions/9/status`, { 'x-user': 'u1' }));
    expect(clients.at(-1)!.status).toBe(200);
  });

  it('refuses beyond the global cap with 503 and Retry-After', async () => {
    running = await startHub({ maxConnections: 2 });
    clients.push(await openSse(`${running.base}/live/a`), await openSse(`${running.base}/live/b`));
    await until(() => running!.hub.stats().connections === 2);
    const response = await fetch(`${running.base}/live/c`, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ error: 'too_many_connections', limit: 2 });
  });

  it('answers 401 or 403 JSON when authorize denies, and never opens a stream', async () => {
    let calls = 0;
    running = await startHub({
      authorize: async (request, topic) => {
        calls++;
        await Promise.resolve();
        if (!request.headers['x-user']) return { allow: false };
        return topic === 'mine' ? { allow: true, key: 'u' } : { allow: false, status: 403, message: 'not yours' };
      },
    });
    const anonymous = await fetch(`${running.base}/live/mine`, { headers: { accept: 'text/event-stream' } });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'unauthorized', message: 'Authentication required' });
    const other = await fetch(`${running.base}/live/theirs?after=0`, { headers: { 'x-user': 'u' } });
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ error: 'forbidden', message: 'not yours' });
    await expect(openWs(`${running.base.replace('http', 'ws')}/live/mine`)).rejects.toMatchObject({
      status: 401,
      body: '{"error":"unauthorized","message":"Authentication required"}',
    });
    expect(calls).toBe(3);
    expect(running.hub.stats().connections).toBe(0);
  });

  it('answers 500 JSON when authorize throws, logs it and keeps serving', async () => {
    const logged: unknown[] = [];
    running = await startHub({
      authorize: () => {
        throw new Error('session store down');
      },
      logger: { error: (object: unknown) => logged.push(object) },
    });
    const response = await fetch(`${running.base}/live/t`, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal_error', message: 'Could not authorize this request' });
    await expect(openWs(`${running.base.replace('http', 'ws')}/live/t`)).rejects.toMatchObject({ status: 500 });
    expect(logged).toHaveLength(2);
    expect(running.hub.stats().connections).toBe(0);
  });

  it('answers 503 to new connections once closing', async () => {
    running = await startHub();
    const client = await openSse(`${running.base}/live/t`);
    await until(() => running!.hub.stats().connections === 1);
    await running.hub.close();
    await client.ended;
    const response = await fetch(`${running.base}/live/t`, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'closing' });
    await expect(running.hub.publish('t', { data: 1 })).rejects.toMatchObject({ code: 'TELLTALE_LIVE_CLOSED' });
  });

  it('does not read X-Forwarded-For unless trustProxy is set', async () => {
    const seen: string[] = [];
    const authorize = (_request: unknown, _topic: string, context: { address: string }): AuthorizeResult => {
      seen.push(context.address);
      return { allow: true, key: context.address };
    };
    running = await startHub({ authorize });
    await fetch(`${running.base}/live/t?after=0`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    await running.close();
    running = await startHub({ authorize, trustProxy: true });
    await fetch(`${running.base}/live/t?after=0`, { headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' } });
    expect(seen).toEqual(['127.0.0.1', '203.0.113.9']);
  });
});
