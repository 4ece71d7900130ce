import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { expressMetrics } from '@telltale/metrics/express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry, type Telemetry } from '@telltale/node';
import { missingPeer } from '../../../test-support/peers.js';
import { close, get, listen } from './support.js';

const missing = missingPeer('prometheus');

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

describe.skipIf(missing)('a real Prometheus scraping metricsHandler on the app port', () => {
  let directory: string;
  let prometheus: ChildProcess | undefined;
  let telemetry: Telemetry;
  let app: ReturnType<typeof createServer>;
  let apiUrl: string;
  let log = '';

  beforeAll(async () => {
    telemetry = startTelemetry({ serviceName: 'scraped-app', runtimeMetrics: false });
    const application = express();
    application.use(expressMetrics({ ignore: ['/metrics'] }));
    application.get('/users/:id', (_request, response) => {
      response.send('ok');
    });
    application.get('/metrics', telemetry.metricsHandler);
    app = createServer(application);
    const appUrl = await listen(app);
    for (const id of [1, 2, 3]) await get(`${appUrl}/users/${id}`);
    await get(`${appUrl}/not-found`);

    directory = await mkdtemp(join(tmpdir(), 'telltale-prometheus-'));
    const webPort = await freePort();
    apiUrl = `http://127.0.0.1:${webPort}`;
    await writeFile(
      join(directory, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 900ms',
        'scrape_configs:',
        '  - job_name: telltale',
        '    static_configs:',
        `      - targets: ['${new URL(appUrl).host}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(directory, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  });

  afterAll(async () => {
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await close(app);
    await telemetry.close();
    await rm(directory, { recursive: true, force: true });
  });

  const query = async (promql: string): Promise<QueryResult[]> => {
    try {
      const response = await get(`${apiUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
      if (response.status !== 200) return [];
      return (JSON.parse(response.body) as { data: { result: QueryResult[] } }).data.result;
    } catch {
      return []; // not listening yet
    }
  };

  it('ingests our series: up == 1 and the request count by http_route', async () => {
    const deadline = Date.now() + 20_000;
    let up: QueryResult[] = [];
    let byRoute: QueryResult[] = [];
    while (Date.now() < deadline) {
      up = await query('up{job="telltale"}');
      byRoute = await query('sum by (http_route) (http_server_request_duration_count{job="telltale"})');
      if (up[0]?.value[1] === '1' && byRoute.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(
      up.map((result) => result.value[1]),
      log,
    ).toEqual(['1']);
    const counts = Object.fromEntries(byRoute.map((result) => [result.metric.http_route ?? '', result.value[1]]));
    // The 404 has no http_route label, so it sums under the empty route.
    expect(counts).toEqual({ '/users/:id': '3', '': '1' });
    const buckets = await query('count(http_server_request_duration_bucket{job="telltale",http_route="/users/:id"})');
    expect(buckets[0]?.value[1]).toBe('15'); // 14 advised bounds + le="+Inf"
  });
});
