// Acceptance: Debian's chromium opens the page of a small app whose cache is
// wrapped by @telltale/metrics' cacheMetrics, sees the hit ratio of the
// lookups the test made, then downloads a CPU profile from the page and
// checks it is Chrome DevTools' .cpuprofile format.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDashboard } from '@telltale/dashboard';
import { withDashboard } from '@telltale/dashboard/node';
import { cacheMetrics, createHttpMetrics } from '@telltale/metrics';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';

const missing = missingPeer('chromium');

describe.skipIf(missing)('caches and profiles in a real browser', () => {
  const recorder = createHttpMetrics();
  const readings = cacheMetrics('browser-readings', new Map<string, string>([['1', 'one']]));
  const dashboard = createDashboard({
    tick: '200ms',
    sources: { caches: () => recorder.snapshot().caches },
    authorize: { act: (request) => /(?:^|; )ops=yes(?:;|$)/.test(request.headers.cookie ?? '') },
  });
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    server = createServer(withDashboard(dashboard, (_request, response) => response.end('app')));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard.close();
    server?.closeAllConnections();
    server?.close();
  });

  it('shows the hit ratio of the lookups made and downloads a DevTools CPU profile', async () => {
    // 3 hits and 1 miss: 75 %, below the 85 % line, so flagged.
    for (const key of ['1', '1', '2', '1']) readings.get(key);
    const context = await browser.newContext({ acceptDownloads: true });
    onTestFinished(() => context.close());
    await context.addCookies([{ name: 'ops', value: 'yes', url: base }]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${base}/_telltale/`);

    const row = page.locator('#caches-body tr', { hasText: 'browser-readings' });
    await row.waitFor({ timeout: 5000 });
    // Hit ratio, lookups, errors, size (the Map holds one entry), then the chart.
    expect((await row.locator('td').allTextContents()).slice(0, 4)).toEqual(['75.0 %', '4', '0', '1']);
    expect(await row.locator('td').first().getAttribute('class')).toContain('dead');

    // More hits arrive: the page follows (5 hits, 1 miss = 83.3 %).
    readings.get('1');
    readings.get('1');
    await row.locator('td').first().getByText('83.3 %', { exact: true }).waitFor({ timeout: 5000 });

    await page.locator('#profile-controls').waitFor({ state: 'visible' });
    await page.locator('#profile-seconds').selectOption('5');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      page.locator('#profile-cpu').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^cpu-[\w-]+\.cpuprofile$/);
    const profile = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      nodes: unknown[];
      startTime: number;
      endTime: number;
      samples: number[];
    };
    expect(profile.nodes.length).toBeGreaterThan(0);
    expect(profile.endTime - profile.startTime).toBeGreaterThan(4_000_000);
    expect(Array.isArray(profile.samples)).toBe(true);
    await page
      .locator('#action-status')
      .getByText(/^Saved cpu-/)
      .waitFor();
    expect(problems).toEqual([]);
  }, 40_000);
});
