import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { alertmanagerWebhookHandler, createNotifier, memoryChannel, type Notifier } from '@telltale/notify';
import { expressAlertmanagerWebhook } from '@telltale/notify/express';
import { fastifyAlertmanagerWebhook } from '@telltale/notify/fastify';
import { withAlertmanagerWebhook } from '@telltale/notify/node';
import { afterEach, describe, expect, it } from 'vitest';
import { firingGroup } from './support/alert-groups.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(listener: RequestListener | Server): Promise<string> {
  const server = typeof listener === 'function' ? createServer(listener) : listener;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function setup(options: { maxQueued?: number; stuck?: boolean } = {}) {
  let release = (): void => {};
  const stuck = new Promise<void>((resolve) => (release = resolve));
  const inbox = memoryChannel(options.stuck ? { behavior: () => stuck } : {});
  const notifier: Notifier = createNotifier({
    channels: { inbox },
    breaker: false,
    ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
  });
  cleanups.push(async () => {
    release();
    await notifier.close({ timeout: '1s' });
  });
  return { inbox, notifier };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('alertmanagerWebhookHandler over node:http', () => {
  it('queues a group (200), deduplicates a re-send, and refuses bad input with 400 naming the field', async () => {
    const { inbox, notifier } = setup();
    const url = `${await listen(withAlertmanagerWebhook(alertmanagerWebhookHandler(notifier, { allowUnauthenticated: true })))}/alertmanager`;
    const first = await post(url, firingGroup());
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'accepted' });
    expect(await (await post(url, firingGroup())).json()).toMatchObject({ status: 'duplicate' });
    await notifier.flush({ timeout: '2s' });
    expect(inbox.delivered).toHaveLength(1);

    const badField = await post(url, { ...firingGroup(), alerts: [{ ...firingGroup().alerts[0], status: 'burning' }] });
    expect(badField.status).toBe(400);
    expect(await badField.json()).toMatchObject({ error: { code: 'invalid-alert-group', field: 'alerts[0].status' } });
    const badJson = await post(url, '{"version":');
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { code: 'invalid-json', field: 'body' } });
    expect((await post(url, firingGroup(), { 'content-type': 'text/plain' })).status).toBe(415);
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(url.replace('/alertmanager', '/other'))).status).toBe(404);
  });

  it('refuses bodies over maxBodySize with 413', async () => {
    const { notifier } = setup();
    const url = await listen(alertmanagerWebhookHandler(notifier, { allowUnauthenticated: true, maxBodySize: 512 }));
    const response = await post(url, { ...firingGroup(), padding: 'x'.repeat(2048) });
    expect(response.status).toBe(413);
    // Chunked (no content-length) bodies are cut off as well.
    const chunked = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([JSON.stringify({ padding: 'y'.repeat(4096) })]).stream(),
      duplex: 'half',
    });
    expect(chunked.status).toBe(413);
  });

  it('requires the bearer token when configured (401 otherwise)', async () => {
    const { notifier } = setup();
    const url = await listen(alertmanagerWebhookHandler(notifier, { bearerToken: 's3cret-token' }));
    const missing = await post(url, firingGroup());
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post(url, firingGroup(), { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(url, firingGroup(), { authorization: 'Bearer s3cret-token-longer' })).status).toBe(401);
    expect((await post(url, firingGroup(), { authorization: 'Bearer s3cret-token' })).status).toBe(200);
  });

  it('answers 503 with Retry-After only when the queue cannot accept', async () => {
    const { notifier } = setup({ maxQueued: 1, stuck: true });
    const url = await listen(alertmanagerWebhookHandler(notifier, { allowUnauthenticated: true, retryAfter: '10s' }));
    expect((await post(url, firingGroup())).status).toBe(200);
    const full = await post(url, firingGroup({ groupKey: 'second' }));
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('10');
    // A duplicate of what is queued is still fine.
    expect((await post(url, firingGroup())).status).toBe(200);
  });

  it('answers 400 when the group cannot make a valid message (no recipients for email)', async () => {
    const email = memoryChannel({ addressesPeople: true });
    const notifier = createNotifier({ channels: { email } });
    cleanups.push(() => notifier.close({ timeout: '1s' }));
    const url = await listen(alertmanagerWebhookHandler(notifier, { allowUnauthenticated: true }));
    const response = await post(url, firingGroup());
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid-message', field: 'to' } });
  });
});

describe('framework adapters', () => {
  it('Express: raw body, or a body already parsed by express.json()', async () => {
    const { inbox, notifier } = setup();
    const handler = alertmanagerWebhookHandler(notifier, { bearerToken: 'tok' });
    const app = express();
    app.all('/raw', expressAlertmanagerWebhook(handler));
    app.post('/parsed', express.json(), expressAlertmanagerWebhook(handler));
    const base = await listen(createServer(app));
    expect((await post(`${base}/raw`, firingGroup(), { authorization: 'Bearer tok' })).status).toBe(200);
    const parsed = await post(`${base}/parsed`, firingGroup({ groupKey: 'p' }), { authorization: 'Bearer tok' });
    expect(parsed.status).toBe(200);
    expect((await post(`${base}/parsed`, firingGroup({ groupKey: 'q' }))).status).toBe(401);
    const bad = await post(`${base}/raw`, { version: '3' }, { authorization: 'Bearer tok' });
    expect(await bad.json()).toMatchObject({ error: { field: 'version' } });
    await notifier.flush({ timeout: '2s' });
    expect(inbox.delivered).toHaveLength(2);
  });

  it('Fastify: plugin route with auth before the body and 405 for other methods', async () => {
    const { inbox, notifier } = setup();
    const app = Fastify();
    cleanups.push(() => app.close());
    await app.register(fastifyAlertmanagerWebhook, {
      handler: alertmanagerWebhookHandler(notifier, { bearerToken: 'tok', maxBodySize: 4096 }),
      path: '/hooks/am',
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/hooks/am`;
    expect((await post(url, firingGroup(), { authorization: 'Bearer tok' })).status).toBe(200);
    expect((await post(url, firingGroup())).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer tok' } })).status).toBe(405);
    const bad = await post(url, '{nope', { authorization: 'Bearer tok' });
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid-json' } });
    expect((await post(url, { pad: 'z'.repeat(8192) }, { authorization: 'Bearer tok' })).status).toBe(413);
    await notifier.flush({ timeout: '2s' });
    expect(inbox.delivered).toHaveLength(1);
  });
});
