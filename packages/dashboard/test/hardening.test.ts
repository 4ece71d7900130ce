import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createManualClock } from '@telltale/core';
import type { AddressInfo } from 'node:net';
import { createDashboard, type AlertView, type DashboardOptions, type DashboardSnapshot } from '@telltale/dashboard';
import { fastifyDashboard } from '@telltale/dashboard/fastify';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchText, openStream, serve } from './support.js';

const alert: AlertView = { id: 'HighLatency', name: 'HighLatency', state: 'firing' };
const INTERNAL = 'GET http://payments.internal:8080/health: 502';
const health = () => ({
  status: 'fail',
  checks: { payments: [{ status: 'fail', output: INTERNAL, observedValue: 41, observedUnit: 'ms' }] },
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start(options: DashboardOptions = {}) {
  const clock = createManualClock({ now: Date.UTC(2026, 0, 1) });
  const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
  const dashboard = createDashboard({ clock, logger, sources: { health }, ...options });
  const server = await serve(dashboard);
  cleanups.push(() => server.close());
  return { clock, logger, base: `${server.base}/_telltale`, port: new URL(server.base).port };
}

/** A request over node:http, which (unlike fetch) lets the test set Host. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; rawPath?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port, pathname, search } = new URL(url);
    const target = { hostname, port, path: options.rawPath ?? `${pathname}${search}` };
    const request = httpRequest(
      { ...target, method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

const ACTION_HEADERS = { 'content-type': 'application/json', 'x-telltale-dashboard': '1' };

describe('dashboard hardening', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])(
    'answers 404 for /_telltale/%s without logging an error',
    async (name) => {
      const { base, logger } = await start();
      const response = await fetchText(`${base}/${name}`);
      expect(response.status).toBe(404);
      expect(logger.error).not.toHaveBeenCalled();
    },
  );

  it('serves only its fixed asset list, whatever the path', async () => {
    const { base } = await start();
    // Raw paths: URL parsing (fetch, node:http given a URL) would resolve the dots before sending.
    for (const path of [
      '..%2Fpackage.json',
      '%2e%2e/package.json',
      '../package.json',
      'static/index.html',
      'index.html/',
    ]) {
      const response = await send(base, { rawPath: `/_telltale/${path}` });
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    expect((await fetchText(`${base}/dashboard.js`)).status).toBe(200);
  });

  it('renders with textContent only: the shipped script never parses HTML', async () => {
    const script = await readFile(new URL('../static/dashboard.js', import.meta.url), 'utf8');
    expect(script).toContain('textContent');
    const code = script.replace(/^\s*\/\/.*$/gm, '');
    expect(code).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it('answers 413 with a JSON body and Connection: close to an action body over 8 KB', async () => {
    const silence = vi.fn();
    const { base } = await start({
      sources: { alerts: () => [alert] },
      actions: { silence },
      authorize: { act: () => true },
    });
    for (const size of [9 * 1024, 200 * 1024]) {
      const body = JSON.stringify({ alertId: alert.id, comment: 'x'.repeat(size) });
      const response = await send(`${base}/actions/silence`, { method: 'POST', headers: ACTION_HEADERS, body });
      expect(response.status).toBe(413);
      expect(response.headers.connection).toBe('close');
      expect(JSON.parse(response.text)).toEqual({ error: 'body too large (limit 8192 bytes)' });
    }
    const viaFetch = await fetchText(`${base}/actions/silence`, {
      method: 'POST',
      headers: ACTION_HEADERS,
      body: JSON.stringify({ alertId: alert.id, comment: 'x'.repeat(9 * 1024) }),
    });
    expect(viaFetch.status).toBe(413);
    expect(silence).not.toHaveBeenCalled();
  });

  it('keeps the 8 KB limit when a framework parsed the body (Fastify)', async () => {
    const silence = vi.fn();
    const dashboard = createDashboard({
      sources: { alerts: () => [alert] },
      actions: { silence },
      authorize: { act: () => true },
    });
    const app = Fastify();
    await app.register(fastifyDashboard, { dashboard });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(async () => {
      await dashboard.close();
      await app.close();
    });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/_telltale`;
    const response = await fetchText(`${base}/actions/silence`, {
      method: 'POST',
      headers: ACTION_HEADERS,
      body: JSON.stringify({ alertId: alert.id, comment: 'x'.repeat(9 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(silence).not.toHaveBeenCalled();
  });

  it('refuses an action whose Host is a rebound DNS name, even with a matching Origin', async () => {
    const silence = vi.fn();
    const { base, port } = await start({
      sources: { alerts: () => [alert] },
      actions: { silence },
      authorize: { act: () => true },
    });
    const body = JSON.stringify({ alertId: alert.id });
    const rebound = await send(`${base}/actions/silence`, {
      method: 'POST',
      headers: { ...ACTION_HEADERS, host: `rebind.evil.example:${port}`, origin: `http://rebind.evil.example:${port}` },
      body,
    });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.text).error).toMatch(/allowedHosts/);
    expect(silence).not.toHaveBeenCalled();
    const local = await send(`${base}/actions/silence`, {
      method: 'POST',
      headers: { ...ACTION_HEADERS, host: `localhost:${port}`, origin: `http://localhost:${port}` },
      body,
    });
    expect(local.status).toBe(200);
  });

  it('accepts the hosts listed in allowedHosts, subdomains for a leading dot', async () => {
    const silence = vi.fn();
    const { base } = await start({
      sources: { alerts: () => [alert] },
      actions: { silence },
      authorize: { act: () => true },
      allowedHosts: ['ops.example.com', '.internal.example'],
    });
    const post = (host: string) =>
      send(`${base}/actions/silence`, {
        method: 'POST',
        headers: { ...ACTION_HEADERS, host, origin: `https://${host}` },
        body: JSON.stringify({ alertId: alert.id }),
      });
    expect((await post('ops.example.com')).status).toBe(200);
    expect((await post('OPS.example.com')).status).toBe(200);
    expect((await post('a.internal.example')).status).toBe(200);
    expect((await post('ops.example.com.evil.example')).status).toBe(403);
    expect((await post('evilinternal.example')).status).toBe(403);
    expect(silence).toHaveBeenCalledTimes(3);
  });

  it('rejects malformed allowedHosts and healthDetails at construction', () => {
    for (const options of [
      { allowedHosts: 'ops.example.com' },
      { allowedHosts: ['https://ops.example.com'] },
      { allowedHosts: ['ops.example.com:8443'] },
      { healthDetails: 'sometimes' },
    ]) {
      expect(() => createDashboard(options as DashboardOptions)).toThrow(
        expect.objectContaining({ code: 'TELLTALE_CONFIG' }),
      );
    }
  });
});

describe('dashboard health details', () => {
  const checkOf = (text: string) => (JSON.parse(text) as DashboardSnapshot).health?.checks[0];

  it('shows health details to local viewers by default and hides them from proxied or rebound ones', async () => {
    const { base } = await start();
    const local = await fetchText(`${base}/snapshot.json`);
    expect(checkOf(local.text)).toEqual({ name: 'payments', status: 'fail', output: INTERNAL, observed: '41 ms' });
    const foreign: Record<string, string>[] = [{ 'x-forwarded-for': '203.0.113.9' }, { host: 'rebind.evil.example' }];
    for (const headers of foreign) {
      const hidden = await send(`${base}/snapshot.json`, { headers });
      expect(hidden.status).toBe(200);
      expect(checkOf(hidden.text)).toEqual({ name: 'payments', status: 'fail' });
      expect(hidden.text).not.toContain('payments.internal');
      expect(hidden.headers.etag).not.toBe(local.headers.get('etag'));
    }
  });

  it('sends the stream without details to a viewer not allowed to see them', async () => {
    const { base, clock } = await start();
    const hidden = await openStream(`${base}/events`, { 'x-forwarded-for': '203.0.113.9' });
    const shown = await openStream(`${base}/events`);
    await clock.advanceAsync(0);
    const [hiddenEvent] = await hidden.waitForEvents(1);
    const [shownEvent] = await shown.waitForEvents(1);
    expect(hiddenEvent!.id).toBe(shownEvent!.id);
    expect(checkOf(hiddenEvent!.data)).toEqual({ name: 'payments', status: 'fail' });
    expect(checkOf(shownEvent!.data)?.output).toBe(INTERNAL);
    hidden.close();
    shown.close();
  });

  it('hides a failing health source error text from viewers without details', async () => {
    const { base } = await start({
      sources: {
        health: () => {
          throw new Error('connect ECONNREFUSED payments.internal:8080');
        },
      },
    });
    const hidden = await send(`${base}/snapshot.json`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect((JSON.parse(hidden.text) as DashboardSnapshot).errors).toEqual({ health: 'health source failed' });
  });

  it('shows details to everyone authorize.view lets in, and follows "always" and "never"', async () => {
    const proxied = { 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer ops' };
    const viewGuarded = await start({
      authorize: { view: (request) => request.headers.authorization === 'Bearer ops' },
    });
    expect(checkOf((await send(`${viewGuarded.base}/snapshot.json`, { headers: proxied })).text)?.output).toBe(
      INTERNAL,
    );
    const always = await start({ healthDetails: 'always' });
    expect(checkOf((await send(`${always.base}/snapshot.json`, { headers: proxied })).text)?.output).toBe(INTERNAL);
    const never = await start({ healthDetails: 'never' });
    expect(checkOf((await fetchText(`${never.base}/snapshot.json`)).text)).toEqual({
      name: 'payments',
      status: 'fail',
    });
  });
});
