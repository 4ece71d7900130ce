import { describe, expect, it } from 'vitest';
import { runOneShot } from '../../../test-support/one-shot.js';

// Each script awaits one path in a bare `node` process (no vitest, no other handles): if
// what it awaits hung on an unref'ed handle, Node would exit with code 13 and print nothing.
const prelude = `
import { createServer } from 'node:http';
import express from 'express';
import { MeterProvider, MetricReader, AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { createOperationMetrics } from '@telltale/metrics';
import { expressMetrics } from '@telltale/metrics/express';
class Reader extends MetricReader {
  constructor() { super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE }); }
  async onForceFlush() {}
  async onShutdown() {}
}
const reader = new Reader();
const meterProvider = new MeterProvider({ readers: [reader] });
const histogram = async (name) => {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((entry) => entry.descriptor.name === name);
  return (metric?.dataPoints ?? []).map((point) => ({ ...point.attributes, count: point.value.count }));
};
const print = (value) => console.log(JSON.stringify(value));
`;

async function run(body: string): Promise<unknown> {
  const result = await runOneShot(prelude + body, { package: 'metrics', timeoutMs: 15_000 });
  expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
  return JSON.parse(result.stdout) as unknown;
}

describe('metrics in a one-shot process', () => {
  it('records Express requests on both paths (before and after node:http announcements are watched), then closes', async () => {
    const body = `
const app = express();
const metrics = expressMetrics({ meterProvider });
app.use(metrics);
app.get('/users/:id', (request, response) => response.json({ id: request.params.id }));
const server = createServer(app);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = 'http://127.0.0.1:' + server.address().port;
const statuses = [];
for (let index = 0; index < 3; index++) statuses.push((await fetch(url + '/users/' + index)).status);
statuses.push((await fetch(url + '/nowhere')).status);
await new Promise((resolve) => server.close(resolve));
server.closeAllConnections?.();
print({ statuses, series: await histogram('http.server.request.duration') });
await meterProvider.shutdown();`;
    const base = { 'http.request.method': 'GET', 'network.protocol.version': '1.1', 'url.scheme': 'http' };
    expect(await run(body)).toEqual({
      statuses: [200, 200, 200, 404],
      series: [
        { ...base, 'http.response.status_code': 200, 'http.route': '/users/:id', count: 3 },
        { ...base, 'http.response.status_code': 404, count: 1 },
      ],
    });
  });

  it('awaits a timed operation and records it', async () => {
    const body = `
const value = await createOperationMetrics({ meterProvider }).timed('nightly-report', () => new Promise((resolve) => setTimeout(() => resolve(42), 50)));
print({ value, series: await histogram('telltale.operation.duration') });
await meterProvider.shutdown();`;
    expect(await run(body)).toMatchObject({ value: 42, series: [{ count: 1 }] });
  });
});
