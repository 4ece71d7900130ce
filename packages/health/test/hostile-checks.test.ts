import { createManualClock } from '@telltale/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthRegistry, type HealthCheck, type HealthRegistry } from '@telltale/health';
import { healthHandler } from '@telltale/health/node';
import { runOneShot } from '../../../test-support/one-shot.js';
import { get, listen } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function manualRegistry(): { clock: ReturnType<typeof createManualClock>; registry: HealthRegistry } {
  const clock = createManualClock({ now: Date.UTC(2026, 0, 1) });
  const registry = createHealthRegistry({ clock, meterProvider: false, cacheFor: 0 });
  cleanups.push(() => registry.close());
  return { clock, registry };
}

const revoked = Proxy.revocable({}, {});
revoked.revoke();
const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;
const throwingMessage = Object.defineProperty(new Error('x'), 'message', {
  get() {
    throw new Error('getter');
  },
});
const hostileProxy = new Proxy(
  {},
  {
    get() {
      throw new Error('trap');
    },
    getPrototypeOf() {
      throw new Error('trap');
    },
    has() {
      throw new Error('trap');
    },
  },
);

const HOSTILE: readonly (readonly [string, unknown])[] = [
  ['a null-prototype object', Object.create(null)],
  ['a symbol', Symbol('boom')],
  ['an Error whose message getter throws', throwingMessage],
  ['a revoked proxy', revoked.proxy],
  ['a proxy whose traps throw', hostileProxy],
  ['a cyclic object', cyclic],
  ['a 5 MB string', 'x'.repeat(5_000_000)],
  ['undefined', undefined],
];

describe('checks that throw anything', () => {
  it('does not crash the process when an async check rejects with a null-prototype object', async () => {
    const script = `
import { createHealthRegistry } from '@telltale/health';
const registry = createHealthRegistry({ cacheFor: 0 });
registry.register('db', async () => { throw Object.create(null); });
registry.register('cache', () => Promise.reject(Symbol('gone')));
const first = await registry.readiness();
const second = await registry.readiness();
await registry.close();
console.log(JSON.stringify([first.status, second.checks.db[0].output, second.checks.cache[0].output]));`;
    const result = await runOneShot(script, { package: 'health', timeoutMs: 10_000 });
    expect(result).toMatchObject({ code: 0, timedOut: false });
    expect(JSON.parse(result.stdout)).toEqual(['fail', '{}', 'Symbol(gone)']);
  });

  it.each(HOSTILE)('reports a check throwing %s synchronously as fail, probe after probe', async (_name, thrown) => {
    const { registry } = manualRegistry();
    registry.register('db', () => {
      throw thrown;
    });
    for (let probe = 0; probe < 3; probe++) {
      const document = await registry.readiness();
      expect(document.status).toBe('fail');
      const output = document.checks!.db![0]!.output!;
      expect(typeof output).toBe('string');
      expect(output.length).toBeLessThanOrEqual(1000);
    }
  });

  it.each(HOSTILE)('reports a check rejecting with %s as fail, probe after probe', async (_name, thrown) => {
    const { registry } = manualRegistry();
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rejecting with non-errors is the point
    registry.register('db', () => Promise.reject(thrown));
    for (let probe = 0; probe < 3; probe++) {
      const document = await registry.readiness();
      expect(document.status).toBe('fail');
      expect(typeof document.checks!.db![0]!.output).toBe('string');
    }
  });

  it('answers 503, never 500, over HTTP for every probe of a check throwing a null-prototype object', async () => {
    const registry = createHealthRegistry({ meterProvider: false, cacheFor: 0 });
    registry.register('db', () => {
      throw Object.create(null);
    });
    const server = await listen(healthHandler(registry));
    cleanups.push(
      () => server.close(),
      () => registry.close(),
    );
    for (let probe = 0; probe < 3; probe++) {
      const { status, body } = await get(`${server.url}/health/ready`);
      expect(status).toBe(503);
      expect(body.checks.db[0]).toMatchObject({ status: 'fail', output: '{}' });
    }
  });

  it('keeps serving when the logger throws on a status change', async () => {
    const clock = createManualClock({ now: 0 });
    const boom = (): never => {
      throw new Error('logger down');
    };
    const registry = createHealthRegistry({
      clock,
      meterProvider: false,
      cacheFor: 0,
      logger: { info: boom, warn: boom, error: boom },
    });
    cleanups.push(() => registry.close());
    let healthy = false;
    registry.register('db', () => ({ status: healthy ? 'pass' : 'fail' }));
    expect((await registry.readiness()).status).toBe('fail');
    healthy = true;
    expect((await registry.readiness()).status).toBe('pass');
  });
});

describe('shutdown handlers that throw anything', () => {
  it('logs a handler throwing a null-prototype object and still runs the next one', async () => {
    const errors: unknown[] = [];
    const registry = createHealthRegistry({
      meterProvider: false,
      shutdownDelay: 0,
      logger: { error: (fields: unknown) => errors.push(fields) },
    });
    cleanups.push(() => registry.close());
    let ranNext = false;
    registry.onShutdown(
      () => {
        throw Object.create(null);
      },
      { name: 'pool' },
    );
    registry.onShutdown(
      () => {
        ranNext = true;
      },
      { name: 'queue' },
    );
    await registry.beginShutdown();
    expect(ranNext).toBe(true);
    expect(errors).toContainEqual({ handler: 'pool', error: '{}' });
    expect(registry.state).toBe('stopped');
  });
});

describe('a hung check that ignores its abort signal', () => {
  const hung =
    (counter: { started: number; settled: number }, release: (() => void)[]): HealthCheck =>
    () =>
      new Promise((resolve) => {
        counter.started++;
        release.push(() => {
          counter.settled++;
          resolve({ status: 'pass' });
        });
      });

  it('is never started again while its run is in flight, however many probes come', async () => {
    const { clock, registry } = manualRegistry();
    const counter = { started: 0, settled: 0 };
    const release: (() => void)[] = [];
    registry.register('legacy', hung(counter, release), { timeout: '100ms' });

    const first = registry.readiness();
    await clock.advanceAsync(100);
    expect((await first).checks!.legacy![0]!.output).toMatch(/^TELLTALE_TIMEOUT/);
    for (let probe = 0; probe < 40; probe++) {
      await clock.advanceAsync(250);
      const document = await registry.readiness();
      expect(document.status).toBe('fail');
      expect(document.checks!.legacy![0]!.output).toMatch(/^TELLTALE_TIMEOUT/);
    }
    expect(counter.started - counter.settled).toBe(1);
    expect(counter.started).toBe(1);

    // Once the stuck call returns, the next probe runs the check again.
    release.shift()!();
    await clock.advanceAsync(0);
    const next = registry.readiness();
    expect(counter.started).toBe(2);
    release.shift()!();
    expect((await next).status).toBe('pass');
  });

  it('has at most one run in flight after 40 HTTP probes with real timers', async () => {
    const registry = createHealthRegistry({ meterProvider: false, cacheFor: 0 });
    const counter = { started: 0, settled: 0 };
    const release: (() => void)[] = [];
    registry.register('legacy', hung(counter, release), { timeout: '20ms' });
    const server = await listen(healthHandler(registry));
    cleanups.push(
      () => server.close(),
      () => registry.close(),
    );
    for (let probe = 0; probe < 40; probe++) {
      const { status } = await get(`${server.url}/health/ready`);
      expect(status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(counter.started - counter.settled).toBe(1);
    for (const settle of release) settle();
  });

  it('is not started twice by its background interval either', async () => {
    const { clock, registry } = manualRegistry();
    const counter = { started: 0, settled: 0 };
    const release: (() => void)[] = [];
    registry.register('legacy', hung(counter, release), { timeout: '100ms', interval: '1s' });
    for (let second = 0; second < 40; second++) {
      await clock.advanceAsync(1000);
      expect((await registry.readiness()).status).toBe('fail');
    }
    expect(counter.started).toBe(1);
    release.shift()!();
    await clock.advanceAsync(1000);
    expect(counter.started).toBe(2);
  });
});
