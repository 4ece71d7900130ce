import { createManualClock, TelltaleConfigError } from '@telltale/core';
import { createDashboard, type AlertView, type DashboardOptions, type DashboardSnapshot } from '@telltale/dashboard';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually, fetchText, openStream, serve } from './support.js';

const alert: AlertView = {
  id: 'HighLatency{route="/users"}',
  name: 'HighLatency',
  state: 'firing',
  severity: 'page',
  labels: { route: '/users' },
  summary: 'p95 above 500 ms',
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start(options: DashboardOptions = {}) {
  const clock = createManualClock({ now: Date.UTC(2026, 0, 1) });
  const dashboard = createDashboard({
    clock,
    sources: { routes: () => [{ method: 'GET', route: '/users', rate: 5, p95: 0.12, errorRatio: 0 }] },
    ...options,
  });
  const server = await serve(dashboard);
  cleanups.push(() => server.close());
  return { clock, dashboard, base: `${server.base}/_telltale` };
}

const ACTION_HEADERS = { 'content-type': 'application/json', 'x-telltale-dashboard': '1' };

describe('dashboard over real HTTP', () => {
  it('serves the page with a strict CSP and redirects the bare path to the slash', async () => {
    const { base } = await start();
    const redirect = await fetchText(`${base}?x=1`);
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/_telltale/?x=1');
    const page = await fetchText(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).toContain('<script type="module" src="dashboard.js">');
    expect(page.text).not.toMatch(/https?:\/\//);
    const script = await fetchText(`${base}/dashboard.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const cached = await fetchText(`${base}/dashboard.js`, {
      headers: { 'if-none-match': script.headers.get('etag')! },
    });
    expect(cached.status).toBe(304);
    expect((await fetchText(`${base}/nope.js`)).status).toBe(404);
    // Only the page's own files are served (a whitelist, so no path can escape static/).
    expect((await fetchText(`${base}/static/index.html`)).status).toBe(404);
    expect((await fetchText(`${base}/%2E%2E%2Fpackage.json`)).status).toBe(404);
  });

  it('frames snapshots as text/event-stream with ids and one shared payload', async () => {
    const { clock, base } = await start({ tick: '1s' });
    const first = await openStream(`${base}/events`);
    const second = await openStream(`${base}/events`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(first.headers['cache-control']).toBe('no-cache, no-transform');
    // Close-delimited, not chunked: one socket write per event.
    expect(first.headers['transfer-encoding']).toBeUndefined();
    expect((await fetchText(`${base}/events`, { method: 'HEAD' })).status).toBe(405);
    expect(first.raw()).toMatch(/^retry: 3000\n/);
    await clock.advanceAsync(0);
    await first.waitForEvents(1);
    await clock.advanceAsync(1000);
    const events = await first.waitForEvents(2);
    await second.waitForEvents(2);
    expect(events[0]!.event).toBe('snapshot');
    expect(events[1]!.id).not.toBe(events[0]!.id);
    const snapshot = JSON.parse(events[1]!.data) as DashboardSnapshot;
    expect(snapshot.id).toBe(events[1]!.id);
    expect(snapshot.routes?.[0]).toMatchObject({ method: 'GET', route: '/users', p95: 0.12 });
    expect(snapshot.routes?.[0]?.history.p95).toEqual([0.12, 0.12]);
    expect(snapshot.process.memory.heapUsed).toBeGreaterThan(0);
    expect(second.events.map((event) => event.data)).toEqual(first.events.map((event) => event.data));
    first.close();
    second.close();
  });

  it('resumes with Last-Event-ID: the latest snapshot only when the client lacks it', async () => {
    const { clock, base, dashboard } = await start();
    const first = await openStream(`${base}/events`);
    await clock.advanceAsync(0);
    const [event] = await first.waitForEvents(1);
    const resumedCurrent = await openStream(`${base}/events`, { 'last-event-id': event!.id! });
    const resumedOld = await openStream(`${base}/events`, { 'last-event-id': 'older-1' });
    await resumedOld.waitForEvents(1);
    expect(resumedOld.events[0]!.id).toBe(event!.id);
    await eventually(() => dashboard.clients === 3);
    expect(resumedCurrent.events).toHaveLength(0);
    for (const stream of [first, resumedCurrent, resumedOld]) stream.close();
  });

  it('sends heartbeat comments and stops ticking when the last client leaves', async () => {
    const snapshots = vi.fn(() => []);
    const { clock, base, dashboard } = await start({ heartbeat: '5s', sources: { routes: snapshots } });
    const stream = await openStream(`${base}/events`);
    await clock.advanceAsync(5000);
    await stream.waitForComment('heartbeat');
    stream.close();
    await eventually(() => dashboard.clients === 0);
    const calls = snapshots.mock.calls.length;
    await clock.advanceAsync(20_000);
    expect(snapshots.mock.calls.length).toBe(calls);
  });

  it('answers a clear 503 beyond the per-address and the global caps', async () => {
    const perAddress = await start({ maxClientsPerAddress: 2, maxClients: 10 });
    const open = [await openStream(`${perAddress.base}/events`), await openStream(`${perAddress.base}/events`)];
    const refused = await fetchText(`${perAddress.base}/events`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(JSON.parse(refused.text)).toMatchObject({ scope: 'address', limit: 2 });
    expect(JSON.parse(refused.text).error).toMatch(/too many dashboard connections from your address/);
    // Polling still works when the stream is refused.
    expect((await fetchText(`${perAddress.base}/snapshot.json`)).status).toBe(200);

    let address = 0;
    const global = await start({ maxClients: 2, clientAddress: () => `10.0.0.${++address}` });
    open.push(await openStream(`${global.base}/events`), await openStream(`${global.base}/events`));
    const full = await fetchText(`${global.base}/events`);
    expect(full.status).toBe(503);
    expect(JSON.parse(full.text)).toMatchObject({ scope: 'global', limit: 2 });
    for (const stream of open) stream.close();
  });

  it('serves snapshot.json for polling, with an ETag', async () => {
    const { base } = await start();
    const first = await fetchText(`${base}/snapshot.json`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const snapshot = JSON.parse(first.text) as DashboardSnapshot;
    expect(snapshot.routes).toHaveLength(1);
    expect(snapshot.capabilities.silence).toBe(false);
    const again = await fetchText(`${base}/snapshot.json`, {
      headers: { 'if-none-match': first.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
  });

  it('guards viewing with authorize.view', async () => {
    const { base } = await start({
      authorize: { view: (request) => request.headers.authorization === 'Bearer let-me-in' },
    });
    for (const path of ['/', '/events', '/snapshot.json', '/dashboard.js']) {
      expect((await fetchText(`${base}${path}`)).status).toBe(403);
    }
    const allowed = await fetchText(`${base}/snapshot.json`, { headers: { authorization: 'Bearer let-me-in' } });
    expect(allowed.status).toBe(200);
  });

  it('shows a failing source as an error without losing the other sections', async () => {
    const { base } = await start({
      sources: {
        routes: () => {
          throw new Error('metrics exploded');
        },
        breakers: () => [{ name: 'payments', state: 'open' }],
        health: () =>
          Promise.resolve({
            status: 'warn',
            checks: { 'db:responseTime': [{ status: 'warn', observedValue: 250, observedUnit: 'ms' }] },
          }),
      },
    });
    const snapshot = JSON.parse((await fetchText(`${base}/snapshot.json`)).text) as DashboardSnapshot;
    expect(snapshot.errors).toEqual({ routes: 'metrics exploded' });
    expect(snapshot.routes).toEqual([]);
    expect(snapshot.breakers).toEqual([{ name: 'payments', state: 'open' }]);
    expect(snapshot.health).toEqual({
      status: 'warn',
      checks: [{ name: 'db:responseTime', status: 'warn', observed: '250 ms' }],
    });
    expect(snapshot.alerts).toBeUndefined();
  });

  it('refuses actions without authorize.act (403), even with a silence action', async () => {
    const silence = vi.fn();
    const { base } = await start({ sources: { alerts: () => [alert] }, actions: { silence } });
    const response = await fetchText(`${base}/actions/silence`, {
      method: 'POST',
      headers: ACTION_HEADERS,
      body: JSON.stringify({ alertId: alert.id }),
    });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text).error).toMatch(/authorize\.act/);
    expect(silence).not.toHaveBeenCalled();
  });

  it('refuses cross-site action requests (missing header, foreign Origin, cross-site fetch metadata)', async () => {
    const silence = vi.fn();
    const { base } = await start({
      sources: { alerts: () => [alert] },
      actions: { silence },
      authorize: { act: () => true },
    });
    const body = JSON.stringify({ alertId: alert.id });
    const post = (headers: Record<string, string>) =>
      fetchText(`${base}/actions/silence`, { method: 'POST', headers, body });
    expect((await post({ 'content-type': 'application/json' })).status).toBe(403);
    expect((await post({ ...ACTION_HEADERS, origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ ...ACTION_HEADERS, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ ...ACTION_HEADERS, origin: 'null' })).status).toBe(403);
    expect(silence).not.toHaveBeenCalled();
    expect((await fetchText(`${base}/actions/silence`)).status).toBe(405);
  });

  it('silences an alert when authorised, and pushes a fresh snapshot', async () => {
    const silenced = new Map<string, number>();
    const silence = vi.fn((target: AlertView, request: { until: Date; comment: string }) => {
      silenced.set(target.id, request.until.getTime());
    });
    const act = vi.fn(
      (request: { headers: Record<string, unknown> }) => request.headers.authorization === 'Bearer ops',
    );
    const { base, clock } = await start({
      sources: { alerts: () => [{ ...alert, silencedUntil: silenced.get(alert.id) }] },
      actions: { silence },
      authorize: { act },
    });
    const stream = await openStream(`${base}/events`);
    await clock.advanceAsync(0);
    await stream.waitForEvents(1);
    const origin = new URL(base).origin;
    const post = (body: unknown, authorization = 'Bearer ops') =>
      fetchText(`${base}/actions/silence`, {
        method: 'POST',
        headers: { ...ACTION_HEADERS, authorization, origin, 'sec-fetch-site': 'same-origin' },
        body: JSON.stringify(body),
      });
    expect((await post({ alertId: alert.id }, 'Bearer nope')).status).toBe(403);
    expect((await post({ alertId: 'unknown' })).status).toBe(404);
    expect((await post({ alertId: alert.id, duration: '30d' })).status).toBe(400);
    expect((await post({ alertId: alert.id, comment: 'x'.repeat(501) })).status).toBe(400);
    const ok = await post({ alertId: alert.id, duration: '2h', comment: 'deploying a fix' });
    expect(ok.status).toBe(200);
    const until = clock.now() + 2 * 3600_000;
    expect(JSON.parse(ok.text)).toEqual({
      silenced: alert.id,
      until: new Date(until).toISOString(),
      comment: 'deploying a fix',
    });
    expect(silence).toHaveBeenCalledTimes(1);
    expect(silence.mock.calls[0]![0]).toMatchObject({ id: alert.id });
    // The page sees the silence without waiting for the next tick.
    const events = await stream.waitForEvents(2);
    expect((JSON.parse(events[1]!.data) as DashboardSnapshot).alerts?.[0]?.silencedUntil).toBe(until);
    expect((JSON.parse(events[1]!.data) as DashboardSnapshot).capabilities.silence).toBe(true);
    stream.close();
  });

  it('keeps an idle route on the page with rate 0 and a gap in its p95 history', async () => {
    let calls = 0;
    const dashboard = createDashboard({
      clock: createManualClock(),
      history: 3,
      sources: {
        routes: () => (++calls === 1 ? [{ method: 'GET', route: '/a', rate: 2, p95: 0.1, errorRatio: 0.5 }] : []),
      },
    });
    cleanups.push(() => dashboard.close());
    await dashboard.snapshot();
    const idle = await dashboard.snapshot();
    expect(idle.routes).toEqual([
      {
        method: 'GET',
        route: '/a',
        rate: 0,
        errorRatio: 0,
        p50: undefined,
        p95: undefined,
        p99: undefined,
        history: { p95: [0.1, null], rate: [2, 0], errorRatio: [0.5, 0] },
      },
    ]);
    for (let tick = 0; tick < 3; tick++) await dashboard.snapshot();
    expect((await dashboard.snapshot()).routes).toEqual([]);
  });

  it('reports a health run slower than one tick as a failed source', async () => {
    const clock = createManualClock();
    const dashboard = createDashboard({ clock, tick: '1s', sources: { health: () => new Promise(() => {}) } });
    cleanups.push(() => dashboard.close());
    const pending = dashboard.snapshot();
    await clock.advanceAsync(1000);
    const snapshot = await pending;
    expect(snapshot.health).toEqual({ status: 'unknown', checks: [] });
    expect(snapshot.errors).toEqual({ health: 'health run did not finish within one tick' });
  });

  it('rejects invalid options at construction', () => {
    expect(() => createDashboard({ tick: '10ms' })).toThrow(TelltaleConfigError);
    expect(() => createDashboard({ path: 'telltale' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"path"/) }),
    );
    expect(() => createDashboard({ maxClients: -1 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"maxClients"/) }),
    );
    expect(() => createDashboard({ sources: { metrics: () => [] } as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/sources\.metrics/) }),
    );
    expect(() => createDashboard({ sources: { routes: 'yes' } as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/sources\.routes/) }),
    );
    expect(() => createDashboard({ authorize: { act: true } as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/authorize\.act/) }),
    );
  });

  it('ends open streams on close() and answers 503 afterwards', async () => {
    const { base, dashboard } = await start();
    const stream = await openStream(`${base}/events`);
    await dashboard.close();
    await stream.ended;
    expect((await fetchText(`${base}/snapshot.json`)).status).toBe(503);
  });
});
