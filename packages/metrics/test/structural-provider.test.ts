// A `meterProvider` is any core `MeterProviderLike`. Core's own `noopMeterProvider` (documented as
// "pass it where a provider is required and nothing should be recorded") hands out a meter with
// only the calls `MeterLike` names: no observable up-down counter, no observable counter. The
// builders must not call those on a meter that does not record.
import { noopMeterProvider } from '@telltale/core';
import pg from 'pg';
import { cacheMetrics, createOperationMetrics } from '@telltale/metrics';
import { instrumentPool } from '@telltale/metrics/pg';
import { describe, expect, it } from 'vitest';

describe("core's noopMeterProvider as meterProvider", () => {
  it('instruments a pool without throwing', async () => {
    const pool = new pg.Pool({ max: 1 }); // never connects
    try {
      let instrumented: ReturnType<typeof instrumentPool> | undefined;
      expect(() => {
        instrumented = instrumentPool(pool, { name: 'readings', meterProvider: noopMeterProvider });
      }).not.toThrow();
      expect(instrumented).toBeDefined();
      instrumented?.dispose();
    } finally {
      await pool.end();
    }
  });

  it('meters a cache without throwing', () => {
    const cache = cacheMetrics('sessions', new Map<string, number>(), { meterProvider: noopMeterProvider });
    cache.set('a', 1);
    expect([cache.get('a'), cache.get('b')]).toEqual([1, undefined]);
  });

  it('times an operation', async () => {
    await expect(
      createOperationMetrics({ meterProvider: noopMeterProvider }).timed('invoices.load', () => 42),
    ).resolves.toBe(42);
  });
});
