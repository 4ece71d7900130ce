import { createManualClock, TelltaleConfigError } from '@telltale/core';
import { describe, expect, it, vi } from 'vitest';
import { createHealthRegistry, type HealthCheck } from '@telltale/health';

const pass: HealthCheck = () => ({ status: 'pass' });
const fail: HealthCheck = () => ({ status: 'fail', output: 'down' });
const warn: HealthCheck = () => ({ status: 'warn' });

function registryWithClock(options: Parameters<typeof createHealthRegistry>[0] = {}) {
  const clock = createManualClock({ now: Date.UTC(2026, 0, 1) });
  return { clock, registry: createHealthRegistry({ clock, meterProvider: false, ...options }) };
}

describe('createHealthRegistry', () => {
  it('fails on a critical failure and only warns on a non-critical one', async () => {
    const { registry } = registryWithClock();
    registry.register('database', pass);
    registry.register('recommendations', fail, { critical: false });
    expect((await registry.run()).status).toBe('warn');
    registry.register('cache', fail);
    const document = await registry.run();
    expect(document.status).toBe('fail');
    expect(document.checks?.recommendations?.[0]).toMatchObject({ status: 'fail', output: 'down' });
  });

  it('reports warn when any check warns and pass when all pass', async () => {
    const { registry } = registryWithClock();
    registry.register('a', pass);
    expect((await registry.run()).status).toBe('pass');
    registry.register('b', warn);
    expect((await registry.run()).status).toBe('warn');
  });

  it('treats a resolved { status: "fail" } exactly like a throw (nestjs/terminus#945)', async () => {
    const { registry } = registryWithClock();
    registry.register('quiet', () => ({ status: 'fail' }));
    expect((await registry.readiness()).status).toBe('fail');
  });

  it('turns a throw into fail with the message, secrets redacted', async () => {
    const { registry } = registryWithClock();
    registry.register('postgres', () => {
      throw new Error('connect ECONNREFUSED postgres://app:hunter2@db:5432/orders?password=s3cret');
    });
    const document = await registry.run();
    const output = document.checks?.postgres?.[0]?.output ?? '';
    expect(document.status).toBe('fail');
    expect(output).toContain('ECONNREFUSED postgres://***@db:5432/orders');
    expect(output).not.toContain('hunter2');
    expect(output).not.toContain('s3cret');
  });

  it('fails a check that returns no valid result', async () => {
    const { registry } = registryWithClock();
    registry.register('broken', (() => undefined) as unknown as HealthCheck);
    registry.register('typo', (() => ({ status: 'ok' })) as unknown as HealthCheck);
    const document = await registry.run();
    expect(document.checks?.broken?.[0]?.status).toBe('fail');
    expect(document.checks?.typo?.[0]?.status).toBe('fail');
  });

  it('fails a hung check with TELLTALE_TIMEOUT after its timeout and aborts its signal', async () => {
    const { clock, registry } = registryWithClock();
    let signal: AbortSignal | undefined;
    registry.register(
      'hung',
      (context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
      { timeout: '250ms' },
    );
    const pending = registry.run();
    await clock.advanceAsync(249);
    expect(signal?.aborted).toBe(false);
    await clock.advanceAsync(1);
    const document = await pending;
    expect(document.status).toBe('fail');
    expect(document.checks?.hung?.[0]?.output).toMatch(/^TELLTALE_TIMEOUT: check "hung" timed out after 250ms/);
    expect(signal?.aborted).toBe(true);
  });

  it('stops waiting when the run signal aborts, leaving the shared run going', async () => {
    const { clock, registry } = registryWithClock();
    registry.register('slow', () => new Promise((resolve) => clock.setTimeout(() => resolve({ status: 'pass' }), 500)));
    const controller = new AbortController();
    const aborted = registry.run({ signal: controller.signal });
    const patient = registry.run();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
    await clock.advanceAsync(500);
    expect((await patient).status).toBe('pass');
    await expect(registry.run({ signal: controller.signal })).resolves.toMatchObject({ status: 'pass' });
  });

  it('turns a slow pass into warn with degradedAfter', async () => {
    const { clock, registry } = registryWithClock();
    registry.register(
      'database',
      async () => {
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 600));
        return { status: 'pass' };
      },
      { degradedAfter: '500ms' },
    );
    const pending = registry.run();
    await clock.advanceAsync(600);
    const entry = (await pending).checks?.database?.[0];
    expect(entry).toMatchObject({ status: 'warn', observedValue: 600, observedUnit: 'ms' });
    expect(entry?.output).toContain('degraded after 500ms');
  });

  it('runs background checks on their interval and serves the cached result with its time', async () => {
    const { clock, registry } = registryWithClock();
    const check = vi.fn<HealthCheck>(() => ({ status: 'pass', observedValue: 1 }));
    registry.register('queue', check, { interval: '10s' });
    await clock.advanceAsync(0);
    expect(check).toHaveBeenCalledTimes(1);
    const firstTime = new Date(clock.now()).toISOString();
    for (let probe = 0; probe < 5; probe++) await registry.readiness();
    expect(check).toHaveBeenCalledTimes(1);
    expect((await registry.readiness()).checks?.queue?.[0]?.time).toBe(firstTime);
    await clock.advanceAsync(10_000);
    expect(check).toHaveBeenCalledTimes(2);
    expect((await registry.readiness()).checks?.queue?.[0]?.time).toBe(new Date(clock.now()).toISOString());
    await registry.close();
    await clock.advanceAsync(60_000);
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('shares one frozen document between probes until a result changes', async () => {
    const { clock, registry } = registryWithClock();
    let status: 'pass' | 'warn' = 'pass';
    registry.register('queue', () => ({ status }), { interval: '1s' });
    await clock.advanceAsync(0);
    const first = await registry.readiness();
    expect(await registry.readiness()).toBe(first);
    expect(Object.isFrozen(first.checks?.queue?.[0])).toBe(true);
    status = 'warn';
    await clock.advanceAsync(1_000);
    const second = await registry.readiness();
    expect(second).not.toBe(first);
    expect(second.status).toBe('warn');
    await registry.close();
  });

  it('logs status transitions only, not every failing run', async () => {
    const warnings: unknown[] = [];
    const infos: unknown[] = [];
    const { clock, registry } = registryWithClock({
      logger: { warn: (object: unknown) => warnings.push(object), info: (object: unknown) => infos.push(object) },
    });
    let status: 'pass' | 'fail' = 'fail';
    registry.register('queue', () => ({ status, output: 'broker://user:pw@mq down' }), { interval: '1s' });
    await clock.advanceAsync(5_000);
    expect(warnings).toEqual([{ check: 'queue', status: 'fail', previous: 'pass', output: 'broker://***@mq down' }]);
    status = 'pass';
    await clock.advanceAsync(1_000);
    expect(infos).toMatchObject([{ check: 'queue', status: 'pass', previous: 'fail' }]);
    expect(warnings).toHaveLength(1);
    await registry.close();
  });

  it('never overlaps background runs of a slow check', async () => {
    const { clock, registry } = registryWithClock();
    let running = 0;
    let maximum = 0;
    registry.register(
      'slow',
      async () => {
        running++;
        maximum = Math.max(maximum, running);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 3_000));
        running--;
        return { status: 'pass' };
      },
      { interval: '1s', timeout: '5s' },
    );
    await clock.advanceAsync(20_000);
    expect(maximum).toBe(1);
    await registry.close();
  });

  it('shares one run among concurrent probes and reuses it for cacheFor', async () => {
    const { clock, registry } = registryWithClock({ cacheFor: '2s' });
    const check = vi.fn<HealthCheck>(async () => {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 50));
      return { status: 'pass' };
    });
    registry.register('database', check);
    const probes = Array.from({ length: 200 }, () => registry.readiness());
    await clock.advanceAsync(50);
    const documents = await Promise.all(probes);
    expect(check).toHaveBeenCalledTimes(1);
    expect(documents.every((document) => document.status === 'pass')).toBe(true);
    await clock.advanceAsync(1_000);
    await registry.readiness();
    expect(check).toHaveBeenCalledTimes(1);
    await clock.advanceAsync(1_000);
    const again = registry.readiness();
    await clock.advanceAsync(50);
    await again;
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('keys checks component:measurement and fills the IETF fields', async () => {
    const { registry } = registryWithClock({
      version: '1',
      releaseId: '1.2.3',
      serviceId: 'orders',
      description: 'Orders',
    });
    registry.register('postgres:responseTime', () => ({ status: 'pass', observedValue: 3, observedUnit: 'ms' }), {
      componentType: 'datastore',
      componentId: 'db-1',
    });
    registry.register('cpu', () => ({ status: 'pass' }), { measurement: 'utilization', componentType: 'system' });
    registry.register('uptime', () => ({ status: 'pass', observedValue: 5, observedUnit: 's' }));
    const document = await registry.run();
    expect(document).toMatchObject({ status: 'pass', version: '1', releaseId: '1.2.3', serviceId: 'orders' });
    expect(Object.keys(document.checks ?? {})).toEqual(['postgres:responseTime', 'cpu:utilization', 'uptime']);
    expect(document.checks?.['postgres:responseTime']?.[0]).toEqual({
      componentId: 'db-1',
      componentType: 'datastore',
      observedValue: 3,
      observedUnit: 'ms',
      status: 'pass',
      time: '2026-01-01T00:00:00.000Z',
    });
    expect(registry.checks().map((check) => check.component)).toEqual(['postgres', 'cpu', 'uptime']);
  });

  it('selects groups by tag and components by name', async () => {
    const { registry } = registryWithClock();
    registry.register('process', pass, { tags: ['live'] });
    registry.register('database', fail);
    registry.register('migrations', pass, { tags: ['startup'] });
    registry.register('search', warn, { tags: ['ready', 'search'] });
    expect(Object.keys((await registry.liveness()).checks ?? {})).toEqual(['process']);
    expect(Object.keys((await registry.readiness()).checks ?? {})).toEqual(['database', 'search']);
    expect(Object.keys((await registry.startup()).checks ?? {})).toEqual(['migrations']);
    expect((await registry.run({ tags: ['search'] })).status).toBe('warn');
    expect((await registry.run({ component: 'database' })).status).toBe('fail');
  });

  it('unregisters a check and closes what it owns', async () => {
    const { registry } = registryWithClock();
    const close = vi.fn();
    const registration = registry.register('owned', Object.assign(pass, { close }));
    registration.dispose();
    expect(close).toHaveBeenCalledTimes(1);
    expect((await registry.run()).checks).toEqual({});
  });

  it('rejects bad options at construction, naming the option', () => {
    expect(() => createHealthRegistry({ defaultTimeout: '2 seconds' })).toThrow(TelltaleConfigError);
    expect(() => createHealthRegistry({ shutdownDelay: -1 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/shutdownDelay/) }),
    );
    expect(() => createHealthRegistry({ handleSignals: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/handleSignals/) }),
    );
    const { registry } = registryWithClock();
    expect(() => registry.register('has space', pass)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"name"/) }),
    );
    expect(() => registry.register('ok', pass, { timeout: 0 })).toThrow(
      expect.objectContaining({
        code: 'TELLTALE_CONFIG',
        message: expect.stringMatching(/"timeout": expected a duration > 0/),
      }),
    );
    expect(() => registry.register('ok', pass, { tags: 'live' as unknown as string[] })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"tags"/) }),
    );
    expect(() => registry.register('ok', 'nope' as unknown as HealthCheck)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/"check"/) }),
    );
    registry.register('ok', pass);
    expect(() => registry.register('ok', pass)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/not registered yet/) }),
    );
  });
});

describe('graceful shutdown', () => {
  it('fails readiness at once, keeps liveness, waits shutdownDelay, then runs handlers in order', async () => {
    const { clock, registry } = registryWithClock({ shutdownDelay: '5s' });
    registry.register('process', pass, { tags: ['live'] });
    registry.register('database', pass);
    const events: string[] = [];
    registry.onStateChange((state) => events.push(state));
    registry.onShutdown(() => events.push('stop consumers'));
    registry.onShutdown(async () => {
      await Promise.resolve();
      events.push('close pool');
    });
    const done = registry.beginShutdown();
    expect(registry.beginShutdown()).toBe(done);
    const ready = await registry.readiness();
    expect(ready).toMatchObject({ status: 'fail', output: 'shutting down' });
    expect((await registry.liveness()).status).toBe('pass');
    await clock.advanceAsync(4_999);
    expect(events).toEqual(['shutting-down']);
    await clock.advanceAsync(1);
    await done;
    expect(events).toEqual(['shutting-down', 'stop consumers', 'close pool', 'stopped']);
    expect(registry.state).toBe('stopped');
  });

  it('gives up on a hung shutdown handler after its timeout and runs the next', async () => {
    const logs: unknown[] = [];
    const { clock, registry } = registryWithClock({
      shutdownDelay: 0,
      shutdownHandlerTimeout: '1s',
      logger: { error: (object: unknown) => logs.push(object) },
    });
    const after = vi.fn();
    registry.onShutdown(() => new Promise(() => {}), { name: 'hung' });
    registry.onShutdown(() => {
      throw new Error('failed: https://user:pw@broker');
    });
    registry.onShutdown(after);
    const done = registry.beginShutdown();
    await clock.advanceAsync(1_000);
    await done;
    expect(after).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(logs)).toContain('shutdown handler \\"hung\\" timed out after 1s');
    expect(JSON.stringify(logs)).not.toContain('pw@');
  });
});
