// Acceptance: Debian's chromium, driven by playwright-core, opens the page of
// a small real app, sees a route's p95 update after traffic, sees an alert
// appear, silences it from the keyboard, and saves a non-blank screenshot.
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDashboard, type AlertView, type RouteStats } from '@telltale/dashboard';
import { withDashboard } from '@telltale/dashboard/node';
import { chromium, type Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { eventually } from './support.js';

const missing = missingPeer('chromium');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** A tiny in-test recorder: durations per route since the last tick, turned into RouteStats. */
function createRecorder(now: () => number) {
  let durations = new Map<string, number[]>();
  let since = now();
  return {
    record(route: string, seconds: number) {
      const list = durations.get(route) ?? [];
      list.push(seconds);
      durations.set(route, list);
    },
    routes(): RouteStats[] {
      const elapsed = Math.max(0.001, (now() - since) / 1000);
      const rows = [...durations].map(([route, list]) => {
        const sorted = [...list].sort((a, b) => a - b);
        const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))];
        return {
          method: 'GET',
          route,
          rate: list.length / elapsed,
          p50: at(0.5),
          p95: at(0.95),
          p99: at(0.99),
          errorRatio: 0,
          count: list.length,
        };
      });
      durations = new Map();
      since = now();
      return rows;
    },
  };
}

describe.skipIf(missing)('dashboard in a real browser (chromium)', () => {
  let browser: Browser;
  let server: Server;
  let base: string;
  let lastP95 = 0;
  const silences: { id: string; comment: string }[] = [];
  const recorder = createRecorder(() => Date.now());
  const dashboard = createDashboard({
    tick: '200ms',
    maxClientsPerAddress: 1,
    sources: {
      routes: () => {
        const rows = recorder.routes();
        lastP95 = rows.find((row) => row.route === '/work')?.p95 ?? lastP95;
        return rows;
      },
      // An in-test rule: SlowWork fires once /work's p95 went above 50 ms.
      alerts: (): AlertView[] =>
        lastP95 > 0.05
          ? [
              {
                id: 'SlowWork{route="/work"}',
                name: 'SlowWork',
                state: 'firing',
                severity: 'page',
                labels: { route: '/work' },
                summary: 'p95 of /work above 50 ms',
                silencedUntil: silences.length > 0 ? Date.now() + 3_600_000 : undefined,
              },
            ]
          : [],
      health: () =>
        Promise.resolve({
          status: 'pass',
          checks: { 'db:responseTime': [{ status: 'pass', observedValue: 3, observedUnit: 'ms' }] },
        }),
      breakers: () => [{ name: 'payments', state: 'closed', failureRatio: 0 }],
      queues: () => [{ name: 'notify', depth: 2, deadLetters: 0 }],
      stt: () => [{ provider: 'pocketsphinx', status: 'healthy', fallbackRate: 0 }],
    },
    actions: { silence: (alert, request) => void silences.push({ id: alert.id, comment: request.comment }) },
    authorize: { act: (request) => /(?:^|; )ops=yes(?:;|$)/.test(request.headers.cookie ?? '') },
  });

  beforeAll(async () => {
    server = createServer(
      withDashboard(dashboard, (request, response) => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        if (url.pathname !== '/work') return void response.writeHead(404).end();
        const started = performance.now();
        setTimeout(
          () => {
            recorder.record('/work', (performance.now() - started) / 1000);
            response.end('done');
          },
          Number(url.searchParams.get('delay') ?? 0),
        );
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard.close();
    server?.closeAllConnections();
    server?.close();
  });

  it('shows p95 after traffic, shows an alert, silences it, and renders a non-blank page', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    onTestFinished(() => context.close());
    await context.addCookies([{ name: 'ops', value: 'yes', url: base }]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${base}/_telltale`);
    expect(page.url()).toBe(`${base}/_telltale/`);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 5000 });
    await page.locator('#section-routes').waitFor({ state: 'visible' });
    await page.getByText('No requests recorded yet.').waitFor();

    // Steady traffic of ~80 ms requests while the page is watched.
    let traffic = true;
    const load = (async () => {
      while (traffic)
        await Promise.all([1, 2, 3].map(() => fetch(`${base}/work?delay=80`).then((response) => response.text())));
    })();
    try {
      const p95Cell = page.locator('tr[data-route="GET /work"] td.p95', { hasText: / ms$/ });
      await p95Cell.waitFor({ timeout: 5000 });
      const p95Text = await p95Cell.textContent({ timeout: 1000 });
      expect(p95Text).toMatch(/^\d+(\.\d+)? ms$/);
      expect(Number.parseFloat(p95Text!)).toBeGreaterThanOrEqual(75);
    } finally {
      traffic = false;
      await load;
    }
    const chart = page.locator('tr[data-route="GET /work"] svg[role="img"]').first();
    expect(await chart.getAttribute('aria-label')).toMatch(/^p95 latency of GET \/work, last \d+ points: latest \d/);

    // The alert appears; silence it from the keyboard.
    const alertRow = page.locator('tr[data-alert-id="SlowWork{route=\\"/work\\"}"]');
    await alertRow.waitFor({ timeout: 5000 });
    await page.locator('#silence-comment').fill('investigating');
    const button = alertRow.getByRole('button', { name: /Silence alert SlowWork/ });
    await button.focus();
    await page.keyboard.press('Enter');
    await page
      .locator('#action-status')
      .getByText(/^Silenced SlowWork/)
      .waitFor({ timeout: 5000 });
    await alertRow.getByText(/^Silenced until/).waitFor({ timeout: 5000 });
    expect(silences).toEqual([{ id: 'SlowWork{route="/work"}', comment: 'investigating' }]);

    for (const section of ['health', 'breakers', 'queues', 'stt', 'process']) {
      expect(await page.locator(`#section-${section}`).isVisible()).toBe(true);
    }
    await page.locator('#process-delay').getByText(/ ms$/).waitFor();

    const file = join(mkdtempSync(join(tmpdir(), 'telltale-dashboard-')), 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    const png = PNG.sync.read(readFileSync(file));
    expect(png.width).toBe(1280);
    expect(png.height).toBeGreaterThan(400);
    const colours = new Set<number>();
    for (let offset = 0; offset < png.data.length; offset += 4 * 97) colours.add(png.data.readUInt32BE(offset));
    expect(colours.size).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  it('falls back to polling when the stream is refused, and refuses actions without the cookie', async () => {
    // The first test's page has gone: its stream slot must be free again.
    await eventually(() => dashboard.clients === 0, 5000);
    const context = await browser.newContext();
    onTestFinished(() => context.close());
    const first = await context.newPage();
    await first.goto(`${base}/_telltale/`);
    await first.getByText('Live', { exact: true }).waitFor({ timeout: 5000 });
    // maxClientsPerAddress is 1: the second page's stream gets a 503.
    const second = await context.newPage();
    await second.goto(`${base}/_telltale/`);
    await second.getByText('Live stream unavailable; polling').waitFor({ timeout: 5000 });
    await second.locator('tr[data-route="GET /work"]').waitFor({ timeout: 5000 });
    // No ops cookie in this context: the action endpoint answers 403.
    const status = await second.evaluate(async () => {
      const response = await fetch('actions/silence', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Telltale-Dashboard': '1' },
        body: JSON.stringify({ alertId: 'SlowWork{route="/work"}' }),
      });
      return response.status;
    });
    expect(status).toBe(403);
  });
});
