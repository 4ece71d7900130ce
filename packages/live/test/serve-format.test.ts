import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, TelltaleConfigError } from '@telltale/core';
import { createLiveHub, type LiveHub, type LiveHubOptions } from '@telltale/live';
import { openSse, until } from './helpers.js';

const BOOT = 'b0';
const sse: LiveHubOptions['sse'] = {
  eventId: {
    format: (id) => `${BOOT}-${id}`,
    parse: (text) => (text.startsWith(`${BOOT}-`) ? Number(text.slice(BOOT.length + 1)) : undefined),
  },
  greeting: 'connected',
  heartbeatComment: 'heartbeat',
};

// An app that routes itself: GET /me/status streams the topic its viewer is allowed.
async function startApp(
  options: Partial<LiveHubOptions> = {},
): Promise<{ hub: LiveHub; base: string; server: Server }> {
  const hub = createLiveHub({
    authorize: (request) => ({ allow: true, key: String(request.headers['x-user'] ?? 'anonymous') }),
    ...options,
  });
  const server = createServer((request, response) => {
    const topic = request.headers['x-user'] === 'admin' ? 'status/full' : 'status/public';
    void hub.serve(request, response, topic, { transport: 'sse' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { hub, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function rawGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('hub.serve and the SSE format options', () => {
  let running: { hub: LiveHub; server: Server } | undefined;
  afterEach(async () => {
    await running?.hub.close();
    running?.server.closeAllConnections();
    running?.server.close();
    running = undefined;
  });

  it('serves the topic the app picks per viewer, as SSE even without an Accept header', async () => {
    running = await startApp();
    const { base, hub } = running as Awaited<ReturnType<typeof startApp>>;
    const admin = await openSse(`${base}/me/status`, { 'x-user': 'admin', accept: '*/*' });
    const guest = await openSse(`${base}/me/status`, { 'x-user': 'guest', accept: '*/*' });
    expect(admin.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await until(() => hub.stats().connections === 2);
    await hub.publish('status/full', { data: 'secret' });
    await hub.publish('status/public', { data: 'public' });
    expect((await admin.waitFor(1)).map((frame) => frame.data)).toEqual(['"secret"']);
    expect((await guest.waitFor(1)).map((frame) => frame.data)).toEqual(['"public"']);
    admin.close();
    guest.close();
  });

  it('writes ids, greeting and heartbeats in the given format, close-delimited with short headers', async () => {
    const clock = createManualClock();
    running = await startApp({ sse, heartbeat: '15s', clock });
    const { base, hub } = running as Awaited<ReturnType<typeof startApp>>;
    const client = await openSse(`${base}/me/status`);
    expect(client.headers['transfer-encoding']).toBeUndefined();
    expect(client.headers['cache-control']).toBe('no-cache, no-transform');
    expect(client.headers['content-security-policy']).toBeUndefined();
    await until(() => hub.stats().connections === 1);
    await hub.publish('status/public', { type: 'snapshot', data: { n: 1 } });
    await client.waitFor(1);
    await clock.advanceAsync(15_000);
    await until(() => client.body.includes(':heartbeat\n\n'));
    expect(client.body).toBe('retry: 3000\n:connected\n\nid: b0-1\nevent: snapshot\ndata: {"n":1}\n\n:heartbeat\n\n');
    client.close();
  });

  it('resumes from an id in the given format and treats a foreign one as no resume', async () => {
    running = await startApp({ sse });
    const { base, hub } = running as Awaited<ReturnType<typeof startApp>>;
    for (let index = 1; index <= 3; index++) await hub.publish('status/public', { data: index });
    const resumed = await openSse(`${base}/me/status`, { 'last-event-id': 'b0-1' });
    const current = await openSse(`${base}/me/status?lastEventId=b0-3`);
    const foreign = await openSse(`${base}/me/status`, { 'last-event-id': 'older-7' });
    expect((await resumed.waitFor(2)).map((frame) => frame.id)).toEqual(['b0-2', 'b0-3']);
    expect((await foreign.waitFor(1)).map((frame) => frame.id)).toEqual(['b0-3']);
    await until(() => hub.stats().connections === 3);
    expect(current.frames).toEqual([]);
    for (const client of [resumed, current, foreign]) client.close();
  });

  it('shapes capacity refusals with the refusal hook and keeps Retry-After', async () => {
    running = await startApp({
      maxConnectionsPerKey: 1,
      retryAfter: '10s',
      refusal: ({ reason, limit }) => ({ status: 503, body: { error: 'busy', scope: reason, limit } }),
    });
    const { base, hub } = running as Awaited<ReturnType<typeof startApp>>;
    const first = await openSse(`${base}/me/status`, { 'x-user': 'ann' });
    await until(() => hub.stats().connections === 1);
    const refused = await rawGet(`${base}/me/status`, { 'x-user': 'ann' });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('10');
    expect(JSON.parse(refused.body)).toEqual({ error: 'busy', scope: 'key_limit', limit: 1 });
    first.close();
  });
});

describe('hub.publish with an id and pre-serialised data', () => {
  it('uses the given id when above the latest, else the next one, and sends dataJson verbatim', async () => {
    await using hub = createLiveHub({ authorize: () => ({ allow: true, key: 'k' }) });
    expect(await hub.publish('t', { data: { a: 1 }, dataJson: '{"a":1}', id: 10 })).toBe(10);
    expect(await hub.publish('t', { data: 'x', id: 4 })).toBe(11);
    expect(await hub.publish('t', { data: 'y' })).toBe(12);
  });

  it('rejects multi-line dataJson, bad ids and data above maxEventBytes', async () => {
    await using hub = createLiveHub({ authorize: () => ({ allow: true, key: 'k' }), maxEventBytes: 16 });
    await expect(hub.publish('t', { data: 1, dataJson: '1\ndata: forged' })).rejects.toMatchObject({
      code: 'TELLTALE_INVALID_INPUT',
      details: { path: 'dataJson' },
    });
    await expect(hub.publish('t', { data: 1, id: 0 })).rejects.toMatchObject({ code: 'TELLTALE_INVALID_INPUT' });
    await expect(hub.publish('t', { data: 'x'.repeat(40) })).rejects.toMatchObject({
      code: 'TELLTALE_INVALID_INPUT',
      details: { limit: 16 },
    });
  });

  it('names the option when the SSE format is malformed', () => {
    const authorize = () => ({ allow: true, key: 'k' }) as const;
    expect(() => createLiveHub({ authorize, sse: { greeting: 'a\nid: 9' } })).toThrow(TelltaleConfigError);
    expect(() => createLiveHub({ authorize, sse: { heartbeatComment: 'x\r' } })).toThrow(/sse\.heartbeatComment/);
    expect(() => createLiveHub({ authorize, sse: { eventId: { format: String } as never } })).toThrow(/sse\.eventId/);
  });
});
