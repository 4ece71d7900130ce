import { request as httpRequest, Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '@telltale/core';
import { createHealthEndpoint, createHealthRegistry, type HealthRegistry } from '@telltale/health';
import { healthHandler, withHealth } from '@telltale/health/node';
import { expectValidHealthDocument, get, listen } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(registry: HealthRegistry, options: Parameters<typeof healthHandler>[1] = {}) {
  const server = await listen(healthHandler(registry, options));
  cleanups.push(
    () => server.close(),
    () => registry.close(),
  );
  return server;
}

describe('health endpoints over node:http', () => {
  it('answers a check hanging for 30 s with fail within its timeout', async () => {
    const registry = createHealthRegistry({ meterProvider: false });
    registry.register(
      'hung',
      () => new Promise((resolve) => setTimeout(() => resolve({ status: 'pass' }), 30_000).unref()),
      {
        timeout: '200ms',
      },
    );
    const { url } = await serve(registry);
    const started = performance.now();
    const { status, body } = await get(`${url}/health/ready`);
    const elapsed = performance.now() - started;
    expect(status).toBe(503);
    expect(body.checks.hung[0].output).toMatch(/^TELLTALE_TIMEOUT/);
    expect(elapsed).toBeLessThan(2_000);
    expectValidHealthDocument(body);
  });

  it('answers a throwing check with fail and its redacted message', async () => {
    const registry = createHealthRegistry({ meterProvider: false });
    registry.register('broker', () => {
      throw new Error('getaddrinfo ENOTFOUND amqp://guest:topsecret@rabbit:5672/?token=abc123');
    });
    const { url } = await serve(registry);
    const { status, body } = await get(`${url}/health`);
    expect(status).toBe(503);
    expect(body.checks.broker[0].output).toBe('getaddrinfo ENOTFOUND amqp://***@rabbit:5672/?token=***');
    expectValidHealthDocument(body);
  });

  it('runs an on-demand check once for 200 concurrent probes', async () => {
    // Default cacheFor (1s): probes arriving while the run is in flight share it, later ones reuse its result.
    const registry = createHealthRegistry({ meterProvider: false });
    let runs = 0;
    registry.register('database', async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { status: 'pass' };
    });
    const { url } = await serve(registry);
    const agent = new Agent({ keepAlive: true, maxSockets: 200 });
    cleanups.push(() => Promise.resolve(agent.destroy()));
    const probe = () =>
      new Promise<number>((resolve, reject) => {
        httpRequest(`${url}/health/ready`, { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        })
          .on('error', reject)
          .end();
      });
    const statuses = await Promise.all(Array.from({ length: 200 }, probe));
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(runs).toBe(1);
  });

  it('serves every group as valid application/health+json with no-store and the right status codes', async () => {
    const registry = createHealthRegistry({
      meterProvider: false,
      version: '1',
      releaseId: 'abc123',
      serviceId: 'orders',
    });
    registry.register('process:uptime', () => ({ status: 'pass', observedValue: 1, observedUnit: 's' }), {
      tags: ['live'],
    });
    registry.register(
      'postgres:responseTime',
      () => ({ status: 'warn', observedValue: 700, observedUnit: 'ms', output: 'slow' }),
      {
        componentType: 'datastore',
      },
    );
    registry.register('migrations', () => ({ status: 'fail', output: 'pending' }), { tags: ['startup'] });
    registry.register('search', () => ({ status: 'pass' }), { tags: ['ready', 'optional'], critical: false });
    const { url } = await serve(registry);

    const cases: [string, number, string][] = [
      ['/health', 503, 'fail'],
      ['/health/', 503, 'fail'],
      ['/health/live', 200, 'pass'],
      ['/health/ready', 200, 'warn'],
      ['/health/startup', 503, 'fail'],
      ['/health/postgres', 200, 'warn'],
      ['/health/optional', 200, 'pass'],
    ];
    for (const [path, expectedStatus, expectedHealth] of cases) {
      const { status, headers, body } = await get(`${url}${path}`);
      expect({ path, status, health: body.status }).toEqual({ path, status: expectedStatus, health: expectedHealth });
      expect(headers.get('content-type')).toBe('application/health+json');
      expect(headers.get('cache-control')).toBe('no-store');
      expectValidHealthDocument(body);
    }
    const { body } = await get(`${url}/health`);
    expect(body).toMatchObject({ version: '1', releaseId: 'abc123', serviceId: 'orders' });
    expect(Object.keys(body.checks)).toEqual(['process:uptime', 'postgres:responseTime', 'migrations', 'search']);
    expect(body.checks['postgres:responseTime'][0]).toMatchObject({ componentType: 'datastore', output: 'slow' });
  });

  it('answers status only in quick mode and when details are hidden', async () => {
    const registry = createHealthRegistry({ meterProvider: false, releaseId: 'abc' });
    registry.register('database', () => ({ status: 'fail', output: 'secret internals' }));
    const { url } = await serve(registry, {
      exposeDetails: (request) => request.headers.authorization === 'Bearer letmein',
    });
    expect(await get(`${url}/health?quick`)).toMatchObject({ status: 503, body: { status: 'fail' } });
    expect((await get(`${url}/health?quick=true`)).body).toEqual({ status: 'fail' });
    expect((await get(`${url}/health`)).body).toEqual({ status: 'fail' });
    const authorised = await get(`${url}/health`, { headers: { authorization: 'Bearer letmein' } });
    expect(authorised.body.checks.database[0].output).toBe('secret internals');
    expect(
      (await get(`${url}/health?quick=false`, { headers: { authorization: 'Bearer letmein' } })).body.checks,
    ).toBeDefined();
    expectValidHealthDocument((await get(`${url}/health?quick`)).body);
  });

  it('hides details from everyone with exposeDetails "never"', async () => {
    const registry = createHealthRegistry({ meterProvider: false });
    registry.register('database', () => ({ status: 'pass' }));
    const { url } = await serve(registry, { exposeDetails: 'never', basePath: '/_status/' });
    expect(await get(`${url}/_status/ready`)).toMatchObject({ status: 200, body: { status: 'pass' } });
    expect((await get(`${url}/_status`)).body).toEqual({ status: 'pass' });
    expect((await get(`${url}/health`)).status).toBe(404);
  });

  it('answers 404 for an unknown component, HEAD without a body, and ignores other methods', async () => {
    const registry = createHealthRegistry({ meterProvider: false });
    registry.register('database', () => ({ status: 'pass' }));
    const { url } = await serve(registry);
    const unknown = await get(`${url}/health/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.output).toContain('"nope"');
    const head = await fetch(`${url}/health/ready`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${url}/health`, { method: 'POST' })).status).toBe(404);
    expect((await get(`${url}/health/ready/extra`)).status).toBe(404);
  });

  it('lets an application handle everything else with withHealth', async () => {
    const registry = createHealthRegistry({ meterProvider: false });
    const { url, close } = await listen(withHealth((_request, response) => response.end('app'), registry));
    cleanups.push(close);
    expect((await get(`${url}/orders`)).body).toBe('app');
    expect((await get(`${url}/health`)).body).toEqual({ status: 'pass', checks: {} });
  });

  it('validates endpoint options', () => {
    const registry = createHealthRegistry({ meterProvider: false });
    expect(() => createHealthEndpoint(registry, { basePath: 'health' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/basePath/) }),
    );
    expect(() => createHealthEndpoint(registry, { exposeDetails: 'sometimes' as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/exposeDetails/) }),
    );
  });

  it('drains in-flight requests of a managed server on shutdown, then closes it', async () => {
    const clock = createManualClock();
    const registry = createHealthRegistry({ meterProvider: false, shutdownDelay: '50ms', drainTimeout: '5s', clock });
    let release: () => void = () => {};
    let arrived!: () => void;
    const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
    const { server, url } = await listen(
      withHealth((_request, response) => {
        release = () => response.end('finished');
        arrived();
      }, registry),
    );
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    registry.manageServer(server);
    const agent = new Agent({ keepAlive: true });
    cleanups.push(() => Promise.resolve(agent.destroy()));
    // An idle keep-alive socket must not hold shutdown open.
    await new Promise<void>((resolve) =>
      httpRequest(`${url}/health/live`, { agent }, (response) => response.resume().on('end', resolve)).end(),
    );
    const slow = get(`${url}/slow`);
    await slowArrived;
    const done = registry.beginShutdown();
    expect((await get(`${url}/health/ready`)).status).toBe(503);
    await clock.advanceAsync(50); // the shutdown delay ends; the drain waits for the slow request
    await clock.advanceAsync(4_000); // ... for up to drainTimeout, without cutting it
    expect(registry.state).toBe('shutting-down');
    release();
    expect((await slow).body).toBe('finished');
    await done;
    expect(registry.state).toBe('stopped');
    expect(server.listening).toBe(false);
    await expect(fetch(`${url}/health/live`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });

  it('cuts connections still busy when the drain timeout passes', async () => {
    const clock = createManualClock();
    const registry = createHealthRegistry({ meterProvider: false, shutdownDelay: 0, drainTimeout: '100ms', clock });
    let arrived!: () => void;
    const neverArrived = new Promise<void>((resolve) => (arrived = resolve));
    const { server, url } = await listen(withHealth(() => arrived(), registry));
    registry.manageServer(server);
    let outcome: string | undefined;
    const hanging = fetch(`${url}/never`).then(
      () => (outcome = 'answered'),
      () => (outcome = 'cut'),
    );
    await neverArrived;
    const done = registry.beginShutdown();
    await clock.advanceAsync(99);
    expect(outcome).toBeUndefined(); // still draining before drainTimeout
    await clock.advanceAsync(1);
    await done;
    expect(await hanging).toBe('cut');
  });
});
