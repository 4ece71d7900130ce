import { createManualClock } from '@telltale/core';
import { createHealthRegistry } from '@telltale/health';
import { describe, expect, it } from 'vitest';
import { cacheMetrics, cacheWarmer } from '@telltale/metrics';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('cacheWarmer', () => {
  it('holds the startup check of a real health registry until the first warm completes', async () => {
    const health = createHealthRegistry({ meterProvider: false, cacheFor: 0 });
    const clock = createManualClock({ now: 0 });
    const cache = cacheMetrics('warmed-readings', new Map<string, number>());
    const gate = deferred();
    const warmer = cacheWarmer({
      load: async () => {
        await gate.promise;
        cache.set('popular', 1);
      },
      every: '1m',
      health,
      clock,
    });
    try {
      const before = await health.startup();
      expect(before.status).toBe('fail');
      expect(JSON.stringify(before.checks)).toContain('first cache warm not complete');
      expect(warmer.warmed).toBe(false);

      gate.resolve();
      await warmer.warmNow();
      expect(warmer.warmed).toBe(true);
      expect(cache.get('popular')).toBe(1);
      expect((await health.startup()).status).toBe('pass');
      // Not a readiness check: readiness never waited for it.
      expect(JSON.stringify((await health.readiness()).checks ?? {})).not.toContain('cache-warm');
    } finally {
      await warmer.close();
      await health.close?.();
    }
  });

  it('re-warms every period on a background timer, retries a failed warm sooner, and warns meanwhile', async () => {
    const clock = createManualClock({ now: 0 });
    const outcomes: Array<'ok' | 'fail'> = ['ok', 'fail', 'ok'];
    let calls = 0;
    const warmer = cacheWarmer({
      load: () => {
        const outcome = outcomes[calls++];
        return outcome === 'fail' ? Promise.reject(new Error('db password=hunter2 refused')) : Promise.resolve();
      },
      every: '10m',
      retryAfter: '30s',
      clock,
    });
    try {
      await clock.advanceAsync(0);
      expect(calls).toBe(1);
      expect(warmer.check()).toEqual({ status: 'pass' });
      expect(clock.pendingTimers()).toBe(1);

      await clock.advanceAsync(10 * 60_000 - 1);
      expect(calls).toBe(1);
      await clock.advanceAsync(1);
      expect(calls).toBe(2);
      const degraded = warmer.check();
      expect(degraded.status).toBe('warn');
      expect(degraded.output).toContain('refused');
      expect(degraded.output).not.toContain('hunter2');

      await clock.advanceAsync(30_000);
      expect(calls).toBe(3);
      expect(warmer.check()).toEqual({ status: 'pass' });
    } finally {
      await warmer.close();
    }
    expect(clock.pendingTimers()).toBe(0);
  });

  it('close() aborts a running load and leaves the check failing', async () => {
    let aborted = false;
    const warmer = cacheWarmer({
      load: ({ signal }) =>
        new Promise<void>((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason as Error);
          }),
        ),
      every: '1h',
    });
    await warmer.close();
    expect(aborted).toBe(true);
    expect(warmer.check().status).toBe('fail');
    await expect(warmer.warmNow()).resolves.toBeUndefined();
  });

  it('rejects bad options, naming them', () => {
    expect(() => cacheWarmer({} as never)).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG' }));
    expect(() => cacheWarmer({ load: () => undefined, every: 0 })).toThrow(/"every"/);
    expect(() => cacheWarmer({ load: () => undefined, every: 'soon' })).toThrow(/"every"/);
  });
});
