// Deterministic, socket-free CPU cost per request of the HTTP metrics
// middleware: Express' app (a request listener) and node:http handlers are
// driven through light-my-request (Fastify's inject library), Fastify
// through `app.inject`. No network, no load generator, one process, so the
// figure is the middleware's own cost plus what it does to Node's
// request/response objects. Variants run interleaved (round-robin, the order
// rotating every round), ROUNDS times each; we print the median and the spread (min–max) per variant, and
// the added cost as the median of per-round differences to bare / the empty middleware.
// BENCH_REQUESTS per round, BENCH_ROUNDS rounds, BENCH_WARMUP requests, BENCH_FRAMEWORKS / BENCH_VARIANTS to narrow.
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
import { median, saveResults } from './harness.js';

const require = createRequire(import.meta.url);
type Inject = (
  dispatch: (request: IncomingMessage, response: ServerResponse) => void,
  options: { method: string; url: string },
) => Promise<{ statusCode: number }>;
const inject = createRequire(require.resolve('fastify'))('light-my-request') as Inject;

// Many short rounds rather than a few long ones: a burst of load from other processes spoils a
// few rounds, which the medians discard, instead of shifting one variant's whole figure.
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
// Warm-up per variant (JIT tiers, inline caches), independent of the short rounds.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3000);
const FRAMEWORKS = ['express', 'fastify', 'node:http'] as const;
const VARIANTS = [
  'bare',
  'empty middleware',
  'telltale',
  'telltale (otel path)',
  'prom-client',
  'prom-bundle',
] as const;
type Framework = (typeof FRAMEWORKS)[number];
type Variant = (typeof VARIANTS)[number];
const pick = <T extends string>(all: readonly T[], list: string | undefined): readonly T[] =>
  list === undefined ? all : all.filter((entry) => list.split(',').includes(entry));

// Two providers: one whose reader carries the producer (the `startTelemetry`
// wiring), one without (users with their own MeterProvider who did not register it).
const producer = createHttpMetricsProducer();
const withProducer = new MeterProvider({
  readers: [new PrometheusExporter({ preventServerStart: true, metricProducers: [producer] })],
});
registerHttpMetricsProducer(withProducer, producer);
const withoutProducer = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
metrics.setGlobalMeterProvider(withProducer);

// prom-client used directly: the hand-written histogram middleware people write.
const registry = new client.Registry();
const histogram = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'Duration of HTTP requests.',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
  registers: [registry],
});
function promObserve(request: IncomingMessage, response: ServerResponse, route: () => string | undefined): void {
  const end = histogram.startTimer();
  response.once('finish', () =>
    end({ method: request.method, route: route() ?? '', status_code: String(response.statusCode) }),
  );
}

type Dispatch = (url: string) => Promise<number>;

function buildExpress(variant: Variant): Dispatch | undefined {
  const app = express();
  if (variant === 'empty middleware') app.use((_request, _response, next) => next());
  if (variant === 'telltale') app.use(expressMetrics({ ignore: ['/metrics'] }));
  if (variant === 'telltale (otel path)') app.use(expressMetrics({ meterProvider: withoutProducer }));
  if (variant === 'prom-bundle') app.use(promBundle({ includeMethod: true, includePath: true, autoregister: false }));
  if (variant === 'prom-client') {
    app.use((request, response, next) => {
      promObserve(request, response, () => (request.route ? request.baseUrl + String(request.route.path) : undefined));
      next();
    });
  }
  app.get('/users/:id', (request, response) => {
    response.json({ id: request.params.id });
  });
  return async (url) => (await inject(app as never, { method: 'GET', url })).statusCode;
}

function buildFastify(variant: Variant): Dispatch | undefined {
  if (variant === 'prom-bundle') return undefined;
  const app = Fastify();
  if (variant === 'empty middleware') app.addHook('onRequest', (_request, _reply, next) => next());
  if (variant === 'telltale') void app.register(fastifyMetrics, { ignore: ['/metrics'] });
  if (variant === 'telltale (otel path)') void app.register(fastifyMetrics, { meterProvider: withoutProducer });
  if (variant === 'prom-client') {
    app.addHook('onRequest', (request, reply, next) => {
      promObserve(request.raw, reply.raw, () => request.routeOptions.url);
      next();
    });
  }
  app.get('/users/:id', (request) => Promise.resolve({ id: (request.params as { id: string }).id }));
  return async (url) => (await app.inject({ method: 'GET', url })).statusCode;
}

function buildNode(variant: Variant): Dispatch | undefined {
  if (variant === 'prom-bundle') return undefined;
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ id: request.url!.slice(7) }));
  };
  const getRoute = (request: IncomingMessage) => (request.url!.startsWith('/users/') ? '/users/:id' : undefined);
  let listener: (request: IncomingMessage, response: ServerResponse) => unknown = handler;
  if (variant === 'empty middleware') listener = (request, response) => handler(request, response);
  if (variant === 'telltale') listener = instrumentHandler(handler, { getRoute });
  if (variant === 'telltale (otel path)')
    listener = instrumentHandler(handler, { getRoute, meterProvider: withoutProducer });
  if (variant === 'prom-client') {
    listener = (request, response) => {
      promObserve(request, response, () => getRoute(request));
      handler(request, response);
    };
  }
  return async (url) => (await inject(listener, { method: 'GET', url })).statusCode;
}

async function cpuPerRequest(dispatch: Dispatch, requests: number): Promise<number> {
  const before = process.cpuUsage();
  for (let index = 0; index < requests; index++) {
    const status = await dispatch(`/users/${index % 50}`);
    if (status !== 200) throw new Error(`unexpected status ${status}`);
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / requests;
}

const builders: Record<Framework, (variant: Variant) => Dispatch | undefined> = {
  express: buildExpress,
  fastify: buildFastify,
  'node:http': buildNode,
};
const results: Record<
  string,
  Record<string, { median: number; min: number; max: number; added: number; overFloor: number | undefined }>
> = {};
for (const framework of pick(FRAMEWORKS, process.env.BENCH_FRAMEWORKS)) {
  const dispatchers = new Map<Variant, Dispatch>();
  for (const variant of pick(VARIANTS, process.env.BENCH_VARIANTS)) {
    const dispatch = builders[framework](variant);
    if (dispatch !== undefined) dispatchers.set(variant, dispatch);
  }
  for (const dispatch of dispatchers.values()) await cpuPerRequest(dispatch, WARMUP); // warm-up
  const samples = new Map<Variant, number[]>();
  // The order rotates every round: garbage one variant leaves behind is collected during the
  // next one's measurement, so a fixed order would always bill the same neighbour for it.
  const order = [...dispatchers];
  for (const [variant] of order) samples.set(variant, []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let slot = 0; slot < order.length; slot++) {
      const [variant, dispatch] = order[(round + slot) % order.length]!;
      samples.get(variant)!.push(await cpuPerRequest(dispatch, REQUESTS));
    }
  }
  // Added cost = median of per-round differences (paired rounds cancel slow drifts of the machine).
  const pairedOver = (list: number[], anchor: number[] | undefined): number | undefined =>
    anchor === undefined ? undefined : median(list.map((value, round) => value - anchor[round]!));
  console.log(`\n${framework}, in-process, CPU µs per request (median, min–max of ${ROUNDS} interleaved rounds)`);
  results[framework] = {};
  for (const [variant, list] of samples) {
    const value = median(list);
    const added = pairedOver(list, samples.get('bare')) ?? 0;
    const overFloor = pairedOver(list, samples.get('empty middleware'));
    results[framework][variant] = { median: value, min: Math.min(...list), max: Math.max(...list), added, overFloor };
    const floorText = overFloor === undefined || variant === 'bare' ? '' : `  vs empty ${overFloor.toFixed(2)}`;
    console.log(
      `  ${variant.padEnd(22)} ${value.toFixed(2).padStart(8)}  (${Math.min(...list).toFixed(2)}–${Math.max(...list).toFixed(2)})  added ${added.toFixed(2)}${floorText}`,
    );
  }
}
saveResults({ inProcess: results, requests: REQUESTS, rounds: ROUNDS, warmup: WARMUP });
