import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { fastifyHealth } from '@telltale/health/fastify';
import { sampleRegistry } from './fixtures/sample-registry.js';
import { expectValidHealthDocument, get } from './helpers.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function expectHealthRoutes(base: string): Promise<void> {
  const expectations: [string, number, string][] = [
    ['/health', 503, 'fail'],
    ['/health/live', 200, 'pass'],
    ['/health/ready', 200, 'warn'],
    ['/health/startup', 503, 'fail'],
    ['/health/postgres', 200, 'pass'],
    ['/health/search', 200, 'warn'],
  ];
  for (const [path, status, health] of expectations) {
    const answer = await get(`${base}${path}`);
    expect({ path, status: answer.status, health: answer.body.status }).toEqual({ path, status, health });
    expect(answer.headers.get('content-type')).toMatch(/^application\/health\+json/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expectValidHealthDocument(answer.body);
  }
  expect((await get(`${base}/health/unknown`)).status).toBe(404);
  expect((await get(`${base}/health/ready?quick`)).body).toEqual({ status: 'warn' });
  expect((await get(`${base}/health`)).body.releaseId).toBe('r1');
}

/** Starts test/fixtures/<name> in a child process and waits for `listening [ports]`. */
async function startFixture(name: string): Promise<number[]> {
  const child = spawn(
    process.execPath,
    ['--conditions=@telltale/source', '--import', 'tsx', fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))],
    { cwd: repositoryRoot, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  cleanups.push(() => {
    child.kill();
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\[.*\])/.exec(output);
      if (match) resolve(JSON.parse(match[1]!) as number[]);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${output}`)));
  });
}

describe('expressHealth', () => {
  it('mounts the health routes on real Express apps, passes other requests on and honours mount paths', async () => {
    const [rootPort, mountedPort] = await startFixture('express-app.ts');
    const base = `http://127.0.0.1:${rootPort}`;
    await expectHealthRoutes(base);
    expect((await get(`${base}/orders`)).body).toEqual({ orders: [] });
    expect((await get(`${base}/nothing`)).status).toBe(404);

    const mounted = `http://127.0.0.1:${mountedPort}`;
    expect((await get(`${mounted}/ops/health/ready`)).body).toEqual({ status: 'warn' });
    const detailed = await get(`${mounted}/ops/health/ready`, { headers: { 'x-internal': '1' } });
    expect(Object.keys(detailed.body.checks)).toEqual(['postgres:responseTime', 'search']);
    expect((await get(`${mounted}/health/ready`)).status).toBe(404);
  });
});

describe('fastifyHealth', () => {
  it('registers the health routes on a real Fastify app', async () => {
    const registry = sampleRegistry();
    cleanups.push(() => registry.close());
    const app = Fastify();
    await app.register(fastifyHealth, { registry });
    app.get('/orders', () => ({ orders: [] }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await expectHealthRoutes(base);
    expect((await get(`${base}/orders`)).body).toEqual({ orders: [] });
    const head = await fetch(`${base}/health/ready`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('honours a plugin prefix, a custom base path and hidden details', async () => {
    const registry = sampleRegistry();
    cleanups.push(() => registry.close());
    const app = Fastify();
    await app.register(fastifyHealth, { registry, prefix: '/ops', basePath: '/status', exposeDetails: 'never' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    expect(await get(`${base}/ops/status/live`)).toMatchObject({ status: 200, body: { status: 'pass' } });
    expect(await get(`${base}/ops/status`)).toMatchObject({ status: 503, body: { status: 'fail' } });
    expect((await get(`${base}/ops/status/nope`)).status).toBe(404);
  });

  it('drains through manageServer(app.server) on shutdown', async () => {
    const registry = sampleRegistry({ shutdownDelay: '100ms' });
    const app = Fastify();
    await app.register(fastifyHealth, { registry });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    registry.manageServer(app.server);
    const shutdown = registry.beginShutdown();
    expect((await get(`${base}/health/ready`)).status).toBe(503);
    expect((await get(`${base}/health/live`)).status).toBe(200);
    await shutdown;
    expect(app.server.listening).toBe(false);
  });
});
