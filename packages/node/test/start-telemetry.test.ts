import { createServer } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { TelltaleConfigError } from '@telltale/core';
import { expressMetrics } from '@telltale/metrics/express';
import { fastifyMetrics } from '@telltale/metrics/fastify';
import { timed } from '@telltale/metrics';
import { describe, expect, it } from 'vitest';
import { startTelemetry } from '@telltale/node';
import { close, get, listen } from './support.js';

const ROUTE_COUNT = /^http_server_request_duration_count\{[^}]*http_route="\/users\/:id"[^}]*\} (\d+)$/m;

describe('startTelemetry', () => {
  it('rejects invalid options naming the option', () => {
    expect(() => startTelemetry({ serviceName: '' })).toThrow(TelltaleConfigError);
    expect(() => startTelemetry({ serviceName: 'x', prometheus: { port: 70_000 } })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"prometheus\.port"/) }),
    );
    expect(() => startTelemetry({ serviceName: 'x', otlp: { url: 'not a url' } })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"otlp\.url"/) }),
    );
    expect(() => startTelemetry({ serviceName: 'x', prometheus: { endpoint: 'metrics' } })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"prometheus\.endpoint"/) }),
    );
  });

  it('serves /metrics from the Express app port with our series, runtime metrics and target_info', async () => {
    await using telemetry = startTelemetry({ serviceName: 'orders', serviceVersion: '1.2.3' });
    const app = express();
    app.use(expressMetrics({ ignore: ['/metrics'] }));
    app.get('/users/:id', (_request, response) => {
      response.send('ok');
    });
    app.get('/metrics', telemetry.metricsHandler);
    const server = createServer(app);
    const url = await listen(server);
    try {
      await get(`${url}/users/1`);
      await get(`${url}/users/2`);
      await timed('reports.build', () => 'done');
      const exposition = await get(`${url}/metrics`);
      expect(exposition.status).toBe(200);
      expect(exposition.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(exposition.body.match(ROUTE_COUNT)?.[1]).toBe('2');
      expect(exposition.body).toContain('# TYPE http_server_request_duration histogram');
      expect(exposition.body).toMatch(/^http_server_request_duration_bucket\{[^}]*le="0\.005"\}/m);
      expect(exposition.body).toMatch(
        /^telltale_operation_duration_count\{operation_name="reports.build",outcome="success"/m,
      );
      expect(exposition.body).toMatch(/^nodejs_eventloop_utilization\{/m);
      expect(exposition.body).toMatch(/^v8js_memory_heap_used\{/m);
      expect(exposition.body).toMatch(/^target_info\{[^}]*service_name="orders"[^}]*service_version="1\.2\.3"/m);
      // Only route templates, never a raw path, become labels.
      expect(exposition.body).not.toContain('/users/1"');
    } finally {
      await close(server);
    }
  });

  it('serves /metrics from a Fastify route through reply.hijack()', async () => {
    await using telemetry = startTelemetry({ serviceName: 'fastify-app', runtimeMetrics: false });
    const app = Fastify();
    await app.register(fastifyMetrics, { ignore: ['/metrics'] });
    app.get('/users/:id', () => 'ok');
    app.get('/metrics', (request, reply) => {
      reply.hijack();
      telemetry.metricsHandler(request.raw, reply.raw);
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await get(`${url}/users/7`);
      const exposition = await get(`${url}/metrics`);
      expect(exposition.body.match(ROUTE_COUNT)?.[1]).toBe('1');
      expect(exposition.body).not.toMatch(/^nodejs_eventloop/m);
    } finally {
      await app.close();
    }
  });

  it('serves a separate metrics port when asked, and only its endpoint', async () => {
    const telemetry = startTelemetry({
      serviceName: 'sidecar',
      runtimeMetrics: false,
      prometheus: { port: 0, host: '127.0.0.1' },
    });
    const metricsUrl = await telemetry.metricsUrl();
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await get(metricsUrl!)).body).toContain('target_info');
    expect((await get(metricsUrl!.replace('/metrics', '/other'))).status).toBe(404);
    await telemetry.close();
    await telemetry.close();
    await expect(get(metricsUrl!)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('still stops everything through the deprecated shutdown(), the same as close()', async () => {
    const telemetry = startTelemetry({
      serviceName: 'legacy',
      runtimeMetrics: false,
      prometheus: { port: 0, host: '127.0.0.1' },
    });
    const metricsUrl = await telemetry.metricsUrl();
    expect((await get(metricsUrl!)).status).toBe(200);
    await telemetry.shutdown();
    await expect(get(metricsUrl!)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(telemetry.close()).resolves.toBeUndefined();
  });

  it('flushes OTLP data on shutdown', async () => {
    const bodies: string[] = [];
    const collector = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        bodies.push(`${request.method} ${request.url} ${body}`);
        response.setHeader('content-type', 'application/json');
        response.end('{}');
      });
    });
    const collectorUrl = await listen(collector);
    try {
      const telemetry = startTelemetry({
        serviceName: 'pusher',
        runtimeMetrics: false,
        prometheus: false,
        otlp: { url: `${collectorUrl}/v1/metrics`, interval: '1h' },
      });
      await timed('nightly.export', () => 1);
      expect(bodies).toEqual([]);
      await telemetry.close();
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).toMatch(/^POST \/v1\/metrics /);
      expect(bodies[0]).toContain('telltale.operation.duration');
      expect(bodies[0]).toContain('nightly.export');
    } finally {
      await close(collector);
    }
  });

  it('exposes a pull reader for in-process consumers, with or without Prometheus', async () => {
    for (const prometheus of [false, {}] as const) {
      const telemetry = startTelemetry({ serviceName: 'reader', runtimeMetrics: false, prometheus });
      try {
        await timed('reader.job', () => 1);
        const { resourceMetrics } = await telemetry.metricReader.collect();
        const names = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((m) => m.descriptor.name));
        expect(names).toContain('telltale.operation.duration');
        // Collecting twice is safe: the reader is cumulative.
        const again = await telemetry.metricReader.collect();
        expect(again.resourceMetrics.scopeMetrics.length).toBeGreaterThan(0);
      } finally {
        await telemetry.close();
      }
    }
  });
});
