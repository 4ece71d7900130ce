import { describe, expect, it } from 'vitest';
import { runOneShot } from '../../../../test-support/one-shot.js';

describe('caches in a one-shot process', () => {
  // The re-warm timer is a background one: the process must exit on its own
  // once the awaited work is done (a ref'ed timer would keep it alive an hour,
  // and the test would time out), and the awaited async lookups must settle.
  it('awaits a warm and async lookups, then exits with the re-warm timer pending', async () => {
    const script = `
import { cacheMetrics, cacheWarmer, createHttpMetrics } from '@telltale/metrics';
const store = new Map();
const remote = {
  get: (key) => new Promise((resolve) => setTimeout(() => resolve(store.get(key) ?? null), 20)),
  set: async (key, value) => void store.set(key, value),
};
const readings = cacheMetrics('one-shot', remote);
const warmer = cacheWarmer({ load: () => readings.set('a', 'A'), every: '1h' });
await warmer.warmNow();
const values = [await readings.get('a'), await readings.get('b')];
const [cache] = createHttpMetrics().snapshot().caches;
console.log(JSON.stringify({ values, warmed: warmer.warmed, hits: cache.hits, misses: cache.misses }));`;
    const result = await runOneShot(script, { package: 'metrics', timeoutMs: 10_000 });
    expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({ values: ['A', null], warmed: true, hits: 1, misses: 1 });
  });
});
