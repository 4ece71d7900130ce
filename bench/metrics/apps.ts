// The in-process harness's apps: each variant of each framework as a function
// that dispatches one request without a socket (Express' app and node:http
// handlers behind a node:http server on an in-memory connection, Fastify
// through `app.inject`).
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import promBundle from 'express-prom-bundle';
import client from 'prom-client';
import { metrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { createHttpMetricsProducer, registerHttpMetricsProducer } from '@telltale/metrics';
import { expressMetrics } from '@telltale/metrics/express';
import { fastifyMetrics } from '@telltale/metrics/fastify';
import { instrumentHandler } from '@telltale/metrics/node';
import { memoryConnection } from './memory-connection.js';
import { promObserver } from './prom-by-hand.js';
import { usersHandler, usersRoute } from './users-route.js';
import type { Framework } from './variants.js';

const require = createRequire(import.meta.url);
const fastifyMetricsPlugin = require('fastify-metrics') as { default: never };

// The socket benchmark's variants, less OpenTelemetry's instrumentation (which patches
// node:http's server, not a listener), plus ours on a provider without the producer.
export const IN_PROCESS_VARIANTS = [
  'bare',
  'empty middleware',
  'telltale',
  'telltale (otel path)',
  'prom-client by hand',
  'prom-client plugin',
] as const;
export type InProcessVariant = (typeof IN_PROCESS_VARIANTS)[number];

// Two providers: one whose reader carries the producer (the `startTelemetry`
// wiring), one without (users with their own MeterProvider who did not register it).
const producer = createHttpMetricsProducer();
const withProducer = new MeterProvider({
  readers: [new PrometheusExporter({ preventServerStart: true, metricProducers: [producer] })],
});
registerHttpMetricsProducer(withProducer, producer);
const withoutProducer = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
metrics.setGlobalMeterProvider(withProducer);

const promObserve = promObserver();

/** Dispatches one GET of `url` without a socket; resolves to the status code. */
export type Dispatch = (url: string) => Promise<number>;

function buildExpress(variant: InProcessVariant): Dispatch | undefined {
  const app = express();
  if (variant === 'empty middleware') app.use((_request, _response, next) => next());
  if (variant === 'telltale') app.use(expressMetrics({ ignore: ['/metrics'] }));
  if (variant === 'telltale (otel path)') app.use(expressMetrics({ meterProvider: withoutProducer }));
  if (variant === 'prom-client plugin')
    app.use(
      promBundle({
        includeMethod: true,
        includePath: true,
        includeStatusCode: true,
        autoregister: false,
        promRegistry: new client.Registry(),
      }),
    );
  if (variant === 'prom-client by hand') {
    app.use((request, response, next) => {
      promObserve(request, response, () => (request.route ? request.baseUrl + String(request.route.path) : undefined));
      next();
    });
  }
  app.get('/users/:id', (request, response) => {
    response.json({ id: request.params.id });
  });
  return memoryConnection(app);
}

function buildFastify(variant: InProcessVariant): Dispatch | undefined {
  const app = Fastify();
  if (variant === 'empty middleware') app.addHook('onRequest', (_request, _reply, next) => next());
  if (variant === 'telltale') void app.register(fastifyMetrics, { ignore: ['/metrics'] });
  if (variant === 'telltale (otel path)') void app.register(fastifyMetrics, { meterProvider: withoutProducer });
  if (variant === 'prom-client plugin')
    void app.register(fastifyMetricsPlugin.default, { endpoint: '/metrics' } as never);
  if (variant === 'prom-client by hand') {
    app.addHook('onRequest', (request, reply, next) => {
      promObserve(request.raw, reply.raw, () => request.routeOptions.url);
      next();
    });
  }
  app.get('/users/:id', (request) => Promise.resolve({ id: (request.params as { id: string }).id }));
  return async (url) => (await app.inject({ method: 'GET', url })).statusCode;
}

function buildNode(variant: InProcessVariant): Dispatch | undefined {
  if (variant === 'prom-client plugin') return undefined;
  const handler = usersHandler;
  const getRoute = usersRoute;
  let listener: (request: IncomingMessage, response: ServerResponse) => unknown = handler;
  if (variant === 'empty middleware') listener = (request, response) => handler(request, response);
  if (variant === 'telltale') listener = instrumentHandler(handler, { getRoute });
  if (variant === 'telltale (otel path)')
    listener = instrumentHandler(handler, { getRoute, meterProvider: withoutProducer });
  if (variant === 'prom-client by hand') {
    listener = (request, response) => {
      promObserve(request, response, () => getRoute(request));
      handler(request, response);
    };
  }
  return memoryConnection(listener);
}

/** Each framework's variant as a dispatcher; `undefined` where the framework has no such variant. */
export const builders: Record<Framework, (variant: InProcessVariant) => Dispatch | undefined> = {
  express: buildExpress,
  fastify: buildFastify,
  'node:http': buildNode,
};

/** Dispatches `requests` GETs of `/users/N` in turn, failing on any status but 200. */
export async function dispatchMany(dispatch: Dispatch, requests: number): Promise<void> {
  for (let index = 0; index < requests; index++) {
    const status = await dispatch(`/users/${index % 50}`);
    if (status !== 200) throw new Error(`unexpected status ${status}`);
  }
}
