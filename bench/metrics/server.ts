// One benchmark server in a child process: `server.ts FRAMEWORK VARIANT`.
// It reports its port over IPC, then answers 'cpu' with its own
// process.cpuUsage() (so CPU per request excludes the load generator) and
// exits on 'exit'.
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Express from 'express';
import type FastifyFactory from 'fastify';
import type PromBundle from 'express-prom-bundle';
import { promObserver } from './prom-by-hand.js';
import { usersHandler, usersRoute } from './users-route.js';
import type { Framework, Variant } from './variants.js';

const require = createRequire(import.meta.url);

async function telemetry(framework: Framework, variant: Variant): Promise<void> {
  // Every server process sets up the same SDK, so variants differ only by
  // their middleware: a process that loaded the SDK runs a bare Fastify
  // route measurably faster than one that did not (BENCH_SDK_ALL=0 to see it).
  const withSdk = variant === 'telltale' || variant === 'opentelemetry' || process.env.BENCH_SDK_ALL !== '0';
  if (!withSdk) return;
  const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
  const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
  const { metrics } = await import('@opentelemetry/api');
  // Ours as startTelemetry wires it: the reader carries the pre-aggregating producer.
  const { createHttpMetricsProducer, registerHttpMetricsProducer } = await import('@telltale/metrics');
  const producer = variant === 'opentelemetry' ? undefined : createHttpMetricsProducer();
  const exporter = new PrometheusExporter({
    preventServerStart: true,
    ...(producer === undefined ? {} : { metricProducers: [producer] }),
  });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  if (producer !== undefined) registerHttpMetricsProducer(meterProvider, producer);
  metrics.setGlobalMeterProvider(meterProvider);
  if (variant !== 'opentelemetry') return;
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

async function listen(server: Http.Server): Promise<number> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function expressServer(http: typeof Http, variant: Variant): Promise<number> {
  const express = require('express') as typeof Express;
  const app = express();
  if (variant === 'empty middleware') app.use((_request, _response, next) => next());
  if (variant === 'telltale') {
    const { expressMetrics } = await import('@telltale/metrics/express');
    app.use(expressMetrics({ ignore: ['/metrics'] }));
  }
  if (variant === 'prom-client by hand') {
    const observe = promObserver();
    app.use((request, response, next) => {
      observe(request, response, () => (request.route ? request.baseUrl + String(request.route.path) : undefined));
      next();
    });
  }
  if (variant === 'prom-client plugin') {
    const promBundle = require('express-prom-bundle') as typeof PromBundle;
    app.use(promBundle({ includeMethod: true, includePath: true, includeStatusCode: true }));
  }
  app.get('/users/:id', (request, response) => {
    response.json({ id: request.params.id });
  });
  return listen(http.createServer(app));
}

async function fastifyServer(variant: Variant): Promise<number> {
  const Fastify = require('fastify') as typeof FastifyFactory;
  const app = Fastify({ keepAliveTimeout: 60_000 });
  if (variant === 'empty middleware') app.addHook('onRequest', (_request, _reply, done) => done());
  if (variant === 'telltale') {
    const { fastifyMetrics } = await import('@telltale/metrics/fastify');
    await app.register(fastifyMetrics, { ignore: ['/metrics'] });
  }
  if (variant === 'prom-client by hand') {
    const observe = promObserver();
    app.addHook('onRequest', (request, reply, done) => {
      observe(request.raw, reply.raw, () => request.routeOptions.url);
      done();
    });
  }
  if (variant === 'prom-client plugin') {
    const fastifyMetricsPlugin = require('fastify-metrics') as { default: never };
    await app.register(fastifyMetricsPlugin.default, { endpoint: '/metrics' } as never);
  }
  app.get('/users/:id', (request) => ({ id: (request.params as { id: string }).id }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

async function nodeServer(http: typeof Http, variant: Variant): Promise<number> {
  const handler = usersHandler;
  const getRoute = usersRoute;
  let listener: (request: IncomingMessage, response: ServerResponse) => unknown = handler;
  if (variant === 'empty middleware') listener = (request, response) => handler(request, response);
  if (variant === 'telltale') {
    const { instrumentHandler } = await import('@telltale/metrics/node');
    listener = instrumentHandler(handler, { getRoute });
  }
  if (variant === 'prom-client by hand') {
    const observe = promObserver();
    listener = (request, response) => {
      observe(request, response, () => getRoute(request));
      handler(request, response);
    };
  }
  return listen(http.createServer(listener));
}

const [framework, variant] = process.argv.slice(2) as [Framework, Variant];
await telemetry(framework, variant);
// Required (not imported) after the instrumentations so their hooks patch them.
const http = require('node:http') as typeof Http;
const port =
  framework === 'express'
    ? await expressServer(http, variant)
    : framework === 'fastify'
      ? await fastifyServer(variant)
      : await nodeServer(http, variant);
process.on('message', (message: string) => {
  if (message === 'cpu') process.send!(process.cpuUsage());
  // A full collection before a round, outside the measured CPU: a mark-compact that
  // falls into one process' round and not another's is the largest per-round noise.
  if (message === 'gc+cpu') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!(process.cpuUsage());
  }
  if (message === 'exit') process.exit(0);
});
process.send!({ port });
