import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHealthRegistry,
  diskSpaceCheck,
  eventLoopDelayCheck,
  httpCheck,
  memoryCheck,
  pingCheck,
  tcpCheck,
} from '@telltale/health';
import { listen } from './helpers.js';

const signal = new AbortController().signal;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('httpCheck', () => {
  it('passes on 2xx, fails on 5xx with a redacted URL, and observes the response time', async () => {
    let authorization: string | undefined;
    const { url, close } = await listen((request, response) => {
      authorization = request.headers.authorization;
      response.statusCode = request.url?.startsWith('/broken') ? 500 : 204;
      response.end();
    });
    cleanups.push(close);
    const ok = await httpCheck(`${url}/ok`)({ signal });
    expect(ok).toMatchObject({ status: 'pass', observedUnit: 'ms' });
    expect(typeof ok.observedValue).toBe('number');
    const withCredentials = url.replace('http://', 'http://admin:hunter2@');
    const broken = await httpCheck(`${withCredentials}/broken?token=abc`)({ signal });
    expect(broken.status).toBe('fail');
    expect(broken.output).toBe(`GET http://***@${url.slice(7)}/broken?token=*** answered 500`);
    expect(authorization).toBe(`Basic ${Buffer.from('admin:hunter2').toString('base64')}`);
    const custom = await httpCheck(`${url}/broken`, { expectStatus: (status) => status === 500 })({ signal });
    expect(custom.status).toBe('pass');
  });

  it('fails through the registry when nothing listens', async () => {
    const registry = createHealthRegistry({ meterProvider: false });
    registry.register('api', httpCheck(`http://127.0.0.1:${await closedPort()}/`));
    const document = await registry.run();
    expect(document.checks?.['api:responseTime']?.[0]?.status).toBe('fail');
  });

  it('rejects a relative URL', () => {
    expect(() => httpCheck('/health')).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/httpCheck.url/) }),
    );
  });
});

describe('tcpCheck', () => {
  it('passes when the port accepts and fails when it refuses', async () => {
    const server = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    expect(await tcpCheck('127.0.0.1', port)({ signal })).toMatchObject({ status: 'pass', observedUnit: 'ms' });
    await expect(tcpCheck('127.0.0.1', await closedPort())({ signal })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(() => tcpCheck('127.0.0.1', 70_000)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/tcpCheck.port/) }),
    );
  });
});

describe('pingCheck', () => {
  it('passes when the ping resolves, fails on false or a throw', async () => {
    const registry = createHealthRegistry({ meterProvider: false });
    registry.register(
      'redis',
      pingCheck(() => Promise.resolve('PONG')),
    );
    registry.register(
      'cache',
      pingCheck(() => false),
    );
    registry.register(
      'postgres',
      pingCheck(() => Promise.reject(new Error('password authentication failed'))),
    );
    const { checks } = await registry.run();
    expect(checks?.['redis:responseTime']?.[0]).toMatchObject({ status: 'pass', componentType: 'datastore' });
    expect(checks?.['cache:responseTime']?.[0]).toMatchObject({ status: 'fail', output: 'ping returned false' });
    expect(checks?.['postgres:responseTime']?.[0]?.output).toBe('password authentication failed');
  });

  it('passes the abort signal to the client', async () => {
    let received: AbortSignal | undefined;
    await pingCheck(({ signal: given }) => (received = given))({ signal });
    expect(received).toBe(signal);
    expect(() => pingCheck(undefined as never)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/pingCheck.ping/) }),
    );
  });
});

describe('memoryCheck', () => {
  it('compares the used ratio with warnAt and failAt', async () => {
    const at = (used: number) => memoryCheck({ warnAt: 0.8, failAt: 0.9, sample: () => ({ used, limit: 100 }) });
    expect(await at(50)({ signal })).toEqual({ status: 'pass', observedValue: 50, observedUnit: '%' });
    expect(await at(85)({ signal })).toMatchObject({ status: 'warn', observedValue: 85 });
    expect(await at(95)({ signal })).toMatchObject({ status: 'fail', output: 'heap at 95% (0 MiB of 0 MiB)' });
  });

  it('reads the real heap and RSS', async () => {
    for (const of of ['heap', 'rss'] as const) {
      const result = await memoryCheck({ of })({ signal });
      expect(result.observedValue).toBeGreaterThan(0);
      expect(result.observedValue).toBeLessThan(100);
    }
  });

  it('rejects thresholds out of order or out of range', () => {
    expect(() => memoryCheck({ warnAt: 0.9, failAt: 0.8 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/memoryCheck.warnAt/) }),
    );
    expect(() => memoryCheck({ failAt: 90 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/memoryCheck.failAt/) }),
    );
    expect(() => memoryCheck({ of: 'swap' as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/memoryCheck.of/) }),
    );
  });
});

describe('eventLoopDelayCheck', () => {
  it('warns after the loop was blocked, then measures afresh from the next run', async () => {
    const check = eventLoopDelayCheck({ warnAt: '100ms', failAt: '10s', resolution: 5 });
    cleanups.push(() => check.close());
    await new Promise((resolve) => setTimeout(resolve, 30));
    const blockedUntil = performance.now() + 200;
    while (performance.now() < blockedUntil) {
      // busy-wait: block the event loop
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    const blocked = await check({ signal });
    expect(blocked.status).toBe('warn');
    expect(blocked.observedValue).toBeGreaterThanOrEqual(100);
    expect(blocked.output).toMatch(/^event loop delay p99 /);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The histogram was reset: the 200 ms block is no longer in the window.
    expect((await check({ signal })).observedValue).toBeLessThan(blocked.observedValue as number);
  });
});

describe('diskSpaceCheck', () => {
  it('reports the used percentage of the file system and compares it with the thresholds', async () => {
    const observed = await diskSpaceCheck(tmpdir(), { warnAt: 1, failAt: 1 })({ signal });
    expect(observed.observedUnit).toBe('%');
    const used = observed.observedValue as number;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(100);
    const low = Math.max(used / 200, 0.0001);
    expect((await diskSpaceCheck(tmpdir(), { warnAt: low, failAt: 1 })({ signal })).status).toBe('warn');
    const failed = await diskSpaceCheck(tmpdir(), { warnAt: low, failAt: low })({ signal });
    expect(failed.status).toBe('fail');
    expect(failed.output).toMatch(/% used, \d+ MiB available$/);
  });

  it('fails through the registry for a missing path', async () => {
    const registry = createHealthRegistry({ meterProvider: false });
    registry.register('disk', diskSpaceCheck('/no/such/path/here'));
    const { checks } = await registry.run();
    expect(checks?.['disk:utilization']?.[0]).toMatchObject({ status: 'fail', componentType: 'system' });
    expect(checks?.['disk:utilization']?.[0]?.output).toContain('ENOENT');
  });
});
