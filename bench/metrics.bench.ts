// CPU cost per request of HTTP metrics middleware, against named anchors in
// the same run: a hello-world Express route and Fastify route, bare, with
// @telltale/metrics, with express-prom-bundle / fastify-metrics, and with
// @opentelemetry/instrumentation-http (+ -express). Each server runs in its
// own child process (pinned to one core with taskset when there are two);
// the load generator (autocannon, fixed short duration, keep-alive,
// 127.0.0.1 only) runs here on the other core. The child reports its own
// process.cpuUsage() around each load run, so CPU per request excludes the
// load generator. Also times rendering /metrics with 2,000 histogram series.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Express from 'express';
import type FastifyFactory from 'fastify';
import type PromBundle from 'express-prom-bundle';
import autocannon from 'autocannon';
import { median, report, saveResults } from './harness.js';

const require = createRequire(import.meta.url);
const here = fileURLToPath(import.meta.url);
const ALL_FRAMEWORKS = ['express', 'fastify'] as const;
// 'empty middleware' is the floor any middleware pays (an Express layer, a Fastify hook).
const ALL_VARIANTS = ['bare', 'empty middleware', 'telltale', 'prom-client plugin', 'opentelemetry'] as const;
type Framework = (typeof ALL_FRAMEWORKS)[number];
type Variant = (typeof ALL_VARIANTS)[number];
// BENCH_FRAMEWORKS=express BENCH_VARIANTS=bare,telltale for a quick partial run.
const pick = <T extends string>(all: readonly T[], list: string | undefined): readonly T[] =>
  list === undefined ? all : all.filter((entry) => list.split(',').includes(entry));
const FRAMEWORKS = pick(ALL_FRAMEWORKS, process.env.BENCH_FRAMEWORKS);
const VARIANTS = pick(ALL_VARIANTS, process.env.BENCH_VARIANTS);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 1);
const CONNECTIONS = 16;

// ---------------------------------------------------------------- server side
async function serve(framework: Framework, variant: Variant): Promise<void> {
  let meterProvider: unknown;
  if (variant === 'telltale' || variant === 'opentelemetry') {
    const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
    const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
    const { metrics } = await import('@opentelemetry/api');
    // Ours as startTelemetry wires it: the reader carries the pre-aggregating producer.
    const { createHttpMetricsProducer, registerHttpMetricsProducer } = await import('@telltale/metrics');
    const producer = variant === 'telltale' ? createHttpMetricsProducer() : undefined;
    const exporter = new PrometheusExporter({
      preventServerStart: true,
      ...(producer === undefined ? {} : { metricProducers: [producer] }),
    });
    meterProvider = new MeterProvider({ readers: [exporter] });
    if (producer !== undefined) registerHttpMetricsProducer(meterProvider as never, producer);
    metrics.setGlobalMeterProvider(meterProvider as never);
  }
  if (variant === 'opentelemetry') {
    // What "install the OTel HTTP instrumentation" means by default: a
    // registered tracer provider (spans sampled and ended; no exporter, so no
    // export cost is counted) plus the metrics it records.
    const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
    const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    const { ExpressInstrumentation } = await import('@opentelemetry/instrumentation-express');
    new NodeTracerProvider().register();
    registerInstrumentations({
      instrumentations: [new HttpInstrumentation(), ...(framework === 'express' ? [new ExpressInstrumentation()] : [])],
    });
  }
  // Required (not imported) after the instrumentations so their hooks patch them.
  const http = require('node:http') as typeof Http;
  let port: number;
  if (framework === 'express') {
    const express = require('express') as typeof Express;
    const app = express();
    if (variant === 'empty middleware') {
      app.use((_request, _response, next) => next());
    } else if (variant === 'telltale') {
      const { expressMetrics } = await import('@telltale/metrics/express');
      app.use(expressMetrics({ ignore: ['/metrics'] }));
    } else if (variant === 'prom-client plugin') {
      const promBundle = require('express-prom-bundle') as typeof PromBundle;
      app.use(promBundle({ includeMethod: true, includePath: true, includeStatusCode: true }));
    }
    app.get('/users/:id', (request, response) => {
      response.json({ id: request.params.id });
    });
    const server = http.createServer(app);
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  } else {
    const Fastify = require('fastify') as typeof FastifyFactory;
    const app = Fastify({ keepAliveTimeout: 60_000 });
    if (variant === 'empty middleware') {
      app.addHook('onRequest', (_request, _reply, done) => done());
    } else if (variant === 'telltale') {
      const { fastifyMetrics } = await import('@telltale/metrics/fastify');
      await app.register(fastifyMetrics, { ignore: ['/metrics'] });
    } else if (variant === 'prom-client plugin') {
      const fastifyMetricsPlugin = require('fastify-metrics') as { default: never };
      await app.register(fastifyMetricsPlugin.default, { endpoint: '/metrics' } as never);
    }
    app.get('/users/:id', (request) => ({ id: (request.params as { id: string }).id }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  }
  process.on('message', (message: string) => {
    if (message === 'cpu') process.send!(process.cpuUsage());
    if (message === 'exit') process.exit(0);
  });
  process.send!({ port });
}

// ---------------------------------------------------------------- load side
interface Child {
  process: ChildProcess;
  port: number;
  next: () => Promise<unknown>;
}

const canPin = availableParallelism() >= 2 && spawnSync('sh', ['-c', 'command -v taskset']).status === 0;

async function startChild(framework: Framework, variant: Variant): Promise<Child> {
  const args = ['--conditions=@telltale/source', '--import', 'tsx', here, 'serve', framework, variant];
  const command = canPin ? 'taskset' : process.execPath;
  const child = spawn(command, canPin ? ['-c', '1', process.execPath, ...args] : args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: ((value: unknown) => void)[] = [];
  child.on('message', (message) => queue.shift()?.(message));
  const next = () => new Promise((resolve) => queue.push(resolve));
  const { port } = (await next()) as { port: number };
  return { process: child, port, next };
}

async function childCpu(child: Child): Promise<number> {
  const reply = child.next();
  child.process.send('cpu');
  const usage = (await reply) as NodeJS.CpuUsage;
  return usage.user + usage.system;
}

// Fixed-duration runs: autocannon's `amount` mode ends on a one-second tick,
// which would quantise throughput; the completed count comes from autocannon.
async function load(port: number, seconds: number): Promise<{ requests: number; seconds: number; errors: number }> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/users/42`,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: seconds,
    timeout: 10,
  });
  return { requests: result.requests.total, seconds: result.duration, errors: result.errors + result.non2xx };
}

async function httpBenchmark(framework: Framework) {
  const children = new Map<Variant, Child>();
  for (const variant of VARIANTS) children.set(variant, await startChild(framework, variant));
  const cpu = new Map<Variant, number[]>(VARIANTS.map((variant) => [variant, []]));
  const throughput = new Map<Variant, number[]>(VARIANTS.map((variant) => [variant, []]));
  for (const child of children.values()) await load(child.port, 1); // warm up the JIT
  for (let round = 0; round < ROUNDS; round++) {
    // Interleave variants each round so drift on a shared machine hits all alike.
    for (const variant of VARIANTS) {
      const child = children.get(variant)!;
      const before = await childCpu(child);
      const { requests, seconds, errors } = await load(child.port, SECONDS);
      const after = await childCpu(child);
      if (errors > 0) throw new Error(`${framework}/${variant}: ${errors} failed requests`);
      cpu.get(variant)!.push((after - before) / requests);
      throughput.get(variant)!.push(requests / seconds);
    }
  }
  for (const child of children.values()) child.process.send('exit');
  const cpuRows = Object.fromEntries(VARIANTS.map((variant) => [variant, median(cpu.get(variant)!)]));
  const throughputRows = Object.fromEntries(VARIANTS.map((variant) => [variant, median(throughput.get(variant)!)]));
  report(`${framework}: server CPU per request`, cpuRows, 'bare', 'µs');
  report(`${framework}: throughput`, throughputRows, 'bare', 'req/s');
  // Paired per-round differences against the bare server of the same round,
  // then the median: robust against drift on a shared machine.
  const added = (variant: Variant) => {
    const own = cpu.get(variant);
    const bare = cpu.get('bare')!;
    return own === undefined ? Number.NaN : median(own.map((value, round) => value - bare[round]!));
  };
  const ratios = {
    addedCpuMicros: Object.fromEntries(VARIANTS.map((variant) => [variant, added(variant)])),
    oursVsPromClientPlugin: added('telltale') / added('prom-client plugin'),
    oursVsOpenTelemetry: added('telltale') / added('opentelemetry'),
    throughputVsBare: throughputRows.telltale! / throughputRows.bare!,
  };
  console.log(
    `  added CPU/request: ours ${added('telltale').toFixed(2)} µs, ` +
      `${framework === 'express' ? 'express-prom-bundle' : 'fastify-metrics'} ${added('prom-client plugin').toFixed(2)} µs, ` +
      `OpenTelemetry ${added('opentelemetry').toFixed(2)} µs, an empty middleware ${added('empty middleware').toFixed(2)} µs → ` +
      `ours/prom-client ×${ratios.oursVsPromClientPlugin.toFixed(2)}, ` +
      `ours/OTel ×${ratios.oursVsOpenTelemetry.toFixed(2)}; our throughput ×${ratios.throughputVsBare.toFixed(3)} of bare`,
  );
  return { cpuMicrosPerRequest: cpuRows, requestsPerSecond: throughputRows, ...ratios };
}

// ---------------------------------------------------------------- /metrics render
async function renderBenchmark() {
  const SERIES = 2_000;
  const RENDERS = 15;
  const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
  const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
  const { createHttpMetrics, createHttpMetricsProducer, registerHttpMetricsProducer } =
    await import('@telltale/metrics');
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const metrics = createHttpMetrics({ meterProvider, maxRoutes: SERIES });
  // The same series pre-aggregated and handed over by the producer (startTelemetry's wiring).
  const producer = createHttpMetricsProducer();
  const producedExporter = new PrometheusExporter({ preventServerStart: true, metricProducers: [producer] });
  const producedProvider = new MeterProvider({ readers: [producedExporter] });
  registerHttpMetricsProducer(producedProvider, producer);
  const produced = createHttpMetrics({ meterProvider: producedProvider, maxRoutes: SERIES });
  const { Registry, Histogram } = await import('prom-client');
  const registry = new Registry();
  // Same label names and values as the OTel exposition, so both render the same amount of text.
  const promHistogram = new Histogram({
    name: 'http_server_request_duration',
    help: 'Duration of HTTP server requests.',
    labelNames: [
      'http_request_method',
      'url_scheme',
      'network_protocol_version',
      'http_response_status_code',
      'http_route',
      'otel_scope_name',
    ],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [registry],
  });
  // 2,000 label sets: 500 routes × 4 status codes, each a full histogram.
  const fakeResponse = (status: number) =>
    ({ statusCode: status, headersSent: true, writableFinished: true, getHeader: () => undefined }) as never;
  for (let route = 0; route < 500; route++) {
    for (const status of [200, 201, 404, 500]) {
      const request = { method: 'GET', url: '/', httpVersion: '1.1', socket: {}, headers: {} } as never;
      for (const recorder of [metrics, produced]) {
        const handle = recorder.start(request)!;
        handle.route = `/resource${route}/:id`;
        recorder.finish(handle, fakeResponse(status));
      }
      promHistogram.observe(
        {
          http_request_method: 'GET',
          url_scheme: 'http',
          network_protocol_version: '1.1',
          http_response_status_code: status,
          http_route: `/resource${route}/:id`,
          otel_scope_name: '@telltale/metrics',
        },
        0.004,
      );
    }
  }
  const renderOtel = () =>
    new Promise<number>((resolve) => {
      const response = { statusCode: 0, setHeader() {}, end: (body: string) => resolve(body.length) };
      exporter.getMetricsRequestHandler({} as never, response as never);
    });
  const time = async (render: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let index = 0; index < RENDERS; index++) {
      const started = performance.now();
      await render();
      samples.push(performance.now() - started);
    }
    return median(samples.slice(3)); // first renders warm up the JIT
  };
  const bytes = await renderOtel();
  const promBytes = (await registry.metrics()).length;
  const { serializePrometheusText } = await import('@telltale/node');
  const renderTelltale = async () => serializePrometheusText((await exporter.collect()).resourceMetrics).length;
  if ((await renderTelltale()) !== bytes) throw new Error('serializePrometheusText output differs in size');
  const renderProduced = async () => serializePrometheusText((await producedExporter.collect()).resourceMetrics).length;
  // Durations are real, so sums differ in digits: compare the lines, not the bytes.
  const lines = async (reader: typeof exporter) =>
    serializePrometheusText((await reader.collect()).resourceMetrics).split('\n').length;
  if ((await lines(producedExporter)) !== (await lines(exporter)))
    throw new Error('the producer path renders other series');
  const rows = {
    'prom-client registry.metrics()': await time(() => registry.metrics()),
    'OTel PrometheusExporter handler': await time(renderOtel),
    'telltale/node metricsHandler': await time(renderTelltale),
    'telltale/node metricsHandler, producer': await time(renderProduced),
  };
  report(
    `/metrics render, ${SERIES} histogram label sets (OTel ${(bytes / 1024).toFixed(0)} KiB, prom-client ${(promBytes / 1024).toFixed(0)} KiB)`,
    rows,
    'prom-client registry.metrics()',
    'ms',
  );
  await meterProvider.shutdown();
  await producedProvider.shutdown();
  return { labelSets: SERIES, bytes: { otel: bytes, promClient: promBytes }, milliseconds: rows };
}

// ---------------------------------------------------------------- main
if (process.argv[2] === 'serve') {
  await serve(process.argv[3] as Framework, process.argv[4] as Variant);
} else {
  if (canPin) spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
  console.log(
    `${SECONDS} s × ${ROUNDS} rounds per variant, ${CONNECTIONS} keep-alive connections; ` +
      (canPin ? 'server pinned to CPU 1, load generator to CPU 0' : 'no pinning (taskset or a second core missing)'),
  );
  const results: Record<string, unknown> = {};
  for (const framework of FRAMEWORKS) results[framework] = await httpBenchmark(framework);
  results.render = await renderBenchmark();
  saveResults(results);
}
