import { connect } from 'node:net';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertGroup } from '@telltale/core';
import { alertmanagerWebhookHandler, createNotifier, memoryChannel, type Notifier } from '@telltale/notify';
import { fastifyAlertmanagerWebhook } from '@telltale/notify/fastify';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { firingGroup } from './support/alert-groups.js';

const MESSAGE_DATA_LIMIT = 256 * 1024;
const TOKEN = 'hardening-token';
const auth = { authorization: `Bearer ${TOKEN}` };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(listener: RequestListener): Promise<{ url: string; port: number }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port };
}

function setup() {
  const inbox = memoryChannel();
  const notifier: Notifier = createNotifier({ channels: { inbox }, breaker: false });
  cleanups.push(() => notifier.close({ timeout: '1s' }));
  return { inbox, notifier };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

function bigGroup(count: number, description: string): AlertGroup {
  const base = firingGroup();
  const template = base.alerts[0]!;
  return {
    ...base,
    alerts: Array.from({ length: count }, (_, index) => ({
      ...template,
      labels: { ...template.labels, instance: `host-${index}:8080` },
      annotations: { ...template.annotations, description },
      fingerprint: `f${String(index).padStart(15, '0')}`,
    })),
  };
}

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const at =
    (level: string) =>
    (first: unknown, second?: unknown): void =>
      void lines.push({ level, message: String(typeof first === 'string' ? first : second) });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('webhook authentication default', () => {
  it('refuses to build a handler with neither bearerToken nor allowUnauthenticated', () => {
    const { notifier } = setup();
    expect(() => alertmanagerWebhookHandler(notifier)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'bearerToken' }),
    );
    expect(() => alertmanagerWebhookHandler(notifier, { bearerToken: undefined })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'bearerToken' }),
    );
    expect(() => alertmanagerWebhookHandler(notifier, { bearerToken: 'x', allowUnauthenticated: true })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'allowUnauthenticated' }),
    );
  });

  it('accepts unauthenticated posts only when asked to, and warns once at construction', async () => {
    const { inbox, notifier } = setup();
    const { lines, logger } = recordingLogger();
    const handler = alertmanagerWebhookHandler(notifier, { allowUnauthenticated: true, logger });
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(lines[0]!.message).toMatch(/unauthenticated/i);
    const { url } = await listen(handler);
    expect((await post(url, firingGroup(), { authorization: '' })).status).toBe(200);
    expect((await post(url, firingGroup({ groupKey: 'b' }), { authorization: '' })).status).toBe(200);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    await notifier.flush({ timeout: '2s' });
    expect(inbox.delivered).toHaveLength(2);
  });
});

describe('large valid alert groups', () => {
  it('pages for 50 alerts with 6 KB descriptions, truncated and saying so', async () => {
    const { inbox, notifier } = setup();
    const { url } = await listen(alertmanagerWebhookHandler(notifier, { bearerToken: TOKEN }));
    const group = bigGroup(50, 'd'.repeat(6 * 1024));
    expect(JSON.stringify(group).length).toBeGreaterThan(MESSAGE_DATA_LIMIT);
    const response = await post(url, group);
    expect(response.status).toBe(200);
    await notifier.flush({ timeout: '2s' });
    const message = inbox.delivered[0]!.message;
    expect(message.subject).toBe('[FIRING:50] HighErrorRate (api)');
    expect(message.text).toMatch(/50 long values were shortened/);
    expect(message.text).toContain('see Alertmanager');
    expect(Buffer.byteLength(JSON.stringify(message.data))).toBeLessThanOrEqual(MESSAGE_DATA_LIMIT);
    const data = message.data as { alerts: unknown[]; truncatedAlerts: number; truncated: unknown };
    expect(data.alerts.length + data.truncatedAlerts).toBe(50);
    expect(data.truncated).toMatchObject({ values: 50 });
  });

  it('pages for one alert with a 900 KB label', async () => {
    const { inbox, notifier } = setup();
    const { url } = await listen(alertmanagerWebhookHandler(notifier, { bearerToken: TOKEN }));
    const group = firingGroup();
    group.alerts = [{ ...group.alerts[0]!, labels: { ...group.alerts[0]!.labels, query: 'q'.repeat(900 * 1024) } }];
    const response = await post(url, group);
    expect(response.status).toBe(200);
    await notifier.flush({ timeout: '2s' });
    const message = inbox.delivered[0]!.message;
    expect(message.subject).toBe('[FIRING:1] HighErrorRate (api)');
    expect(message.text).toMatch(/1 long value was shortened/);
    expect(message.text!.length).toBeLessThan(20_000);
    expect(Buffer.byteLength(JSON.stringify(message.data))).toBeLessThanOrEqual(MESSAGE_DATA_LIMIT);
    // Deduplication still sees the group as Alertmanager sent it.
    expect(await (await post(url, group)).json()).toMatchObject({ status: 'duplicate' });
  });

  it('keeps the data under the limit when many alerts each carry many labels', async () => {
    const { inbox, notifier } = setup();
    const handler = alertmanagerWebhookHandler(notifier, { bearerToken: TOKEN, maxBodySize: 4 * 1024 * 1024 });
    const { url } = await listen(handler);
    const group = bigGroup(50, 'short');
    for (const alert of group.alerts) {
      for (let index = 0; index < 40; index++) alert.labels[`extra_${index}`] = 'v'.repeat(1000);
    }
    expect((await post(url, group)).status).toBe(200);
    await notifier.flush({ timeout: '2s' });
    const message = inbox.delivered[0]!.message;
    const data = message.data as { alerts: unknown[]; truncatedAlerts: number };
    expect(Buffer.byteLength(JSON.stringify(data))).toBeLessThanOrEqual(MESSAGE_DATA_LIMIT);
    expect(data.alerts.length).toBeGreaterThan(0);
    expect(data.alerts.length).toBeLessThan(50);
    expect(data.alerts.length + data.truncatedAlerts).toBe(50);
    expect(message.text).toMatch(new RegExp(`${50 - data.alerts.length} alerts were left out of the details`));
  });
});

describe('hostile label values', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'treats severity=%s as an unknown severity, not a 400',
    async (severity) => {
      const { inbox, notifier } = setup();
      const { url } = await listen(alertmanagerWebhookHandler(notifier, { bearerToken: TOKEN }));
      const group = firingGroup({ commonLabels: { alertname: 'HighErrorRate', severity } });
      group.alerts = group.alerts.map((alert) => ({ ...alert, labels: { ...alert.labels, severity } }));
      const body = JSON.stringify(group);
      const response = await post(url, body);
      expect(response.status).toBe(200);
      await notifier.flush({ timeout: '2s' });
      expect(inbox.delivered[0]!.message.severity).toBe('warning');
    },
  );
});

describe('webhook request edges', () => {
  it('answers 408 to a body that trickles in slower than bodyTimeout', async () => {
    const { notifier } = setup();
    const handler = alertmanagerWebhookHandler(notifier, { bearerToken: TOKEN, bodyTimeout: 200 });
    const { port } = await listen(handler);
    const socket = connect(port, '127.0.0.1');
    cleanups.push(() => Promise.resolve(void socket.destroy()));
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    // The server answers and closes while this client is still trickling: its next write may be reset.
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${TOKEN}\r\ncontent-length: 1000\r\n\r\n{`,
    );
    const trickle = setInterval(() => socket.write(' '), 50);
    cleanups.push(() => Promise.resolve(clearInterval(trickle)));
    await closed;
    clearInterval(trickle);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toContain('request-timeout');
  });

  it('refuses a bad bodyTimeout at construction', () => {
    const { notifier } = setup();
    expect(() => alertmanagerWebhookHandler(notifier, { bearerToken: TOKEN, bodyTimeout: 'soon' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'bodyTimeout' }),
    );
  });

  it('answers 200 to a group with no alerts and sends nothing', async () => {
    const { inbox, notifier } = setup();
    const { lines, logger } = recordingLogger();
    const { url } = await listen(alertmanagerWebhookHandler(notifier, { bearerToken: TOKEN, logger }));
    const response = await post(url, firingGroup({ alerts: [] }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ignored' });
    await notifier.flush({ timeout: '2s' });
    expect(inbox.delivered).toHaveLength(0);
    expect(lines.some((line) => line.level === 'debug' && /no alerts/.test(line.message))).toBe(true);
  });

  it('accepts application/json with parameters only', async () => {
    const { notifier } = setup();
    const { url } = await listen(alertmanagerWebhookHandler(notifier, { bearerToken: TOKEN }));
    for (const type of ['application/json-seq', 'application/jsonx', 'application/problem+json', 'text/json']) {
      expect((await post(url, firingGroup(), { 'content-type': type })).status, type).toBe(415);
    }
    const missing = await fetch(url, { method: 'POST', headers: auth, body: new Uint8Array([123, 125]) });
    expect(missing.status).toBe(415);
    const withCharset = await post(url, firingGroup(), { 'content-type': 'Application/JSON ; charset=utf-8' });
    expect(withCharset.status).toBe(200);
  });
});

describe('body timeout in the Fastify adapter', () => {
  it('answers 408 to a trickling body', async () => {
    const { notifier } = setup();
    const app = Fastify();
    cleanups.push(() => app.close());
    await app.register(fastifyAlertmanagerWebhook, {
      handler: alertmanagerWebhookHandler(notifier, { bearerToken: TOKEN, bodyTimeout: 200 }),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    cleanups.push(() => Promise.resolve(void socket.destroy()));
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined); // reset while still trickling, as above
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /alertmanager HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${TOKEN}\r\ncontent-length: 1000\r\n\r\n{`,
    );
    const trickle = setInterval(() => socket.write(' '), 50);
    cleanups.push(() => Promise.resolve(clearInterval(trickle)));
    await closed;
    clearInterval(trickle);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toContain('request-timeout');
  });
});
