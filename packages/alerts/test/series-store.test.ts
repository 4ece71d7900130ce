import { describe, expect, it } from 'vitest';
import { createSeriesStore, query } from '@telltale/alerts';

describe('createSeriesStore', () => {
  it('finds range boundaries correctly on irregular series (compared with a naive scan)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 20; round++) {
      const store = createSeriesStore({ retention: '1d', maxSamplesPerSeries: 64 });
      const times: number[] = [];
      let time = 0;
      for (let index = 0; index < 100; index++) {
        time += 1 + Math.floor(random() * (round % 2 ? 60_000 : 2_000));
        times.push(time);
        store.append({ __name__: 'x' }, time, index);
      }
      const kept = times.slice(-64);
      for (let probe = 0; probe < 50; probe++) {
        const at = kept[0]! + Math.floor(random() * (time - kept[0]! + 10_000));
        const range = 1 + Math.floor(random() * 600_000);
        const expected = kept.filter((sample) => sample > at - range && sample <= at).length;
        const result = query(store, 'count_over_time(x[' + range + 'ms])', at);
        const got = result.type === 'vector' ? (result.samples[0]?.value ?? 0) : -1;
        expect(got, `at ${at} range ${range}`).toBe(expected);
      }
    }
  });

  it('drops out-of-order samples and validates options', () => {
    const store = createSeriesStore();
    store.append({ __name__: 'x' }, 10, 1);
    store.append({ __name__: 'x' }, 5, 2);
    store.append({ __name__: 'x' }, 10, 3);
    expect(store.sampleCount()).toBe(1);
    expect(() => createSeriesStore({ retention: 'forever' })).toThrow(/retention/);
    expect(() => createSeriesStore({ maxSamplesPerSeries: 0 })).toThrow(/maxSamplesPerSeries/);
  });

  it('marks series missing from a collection stale', () => {
    const store = createSeriesStore();
    store.ingest('source', [{ labels: { __name__: 'up', job: 'a' }, value: 1 }], 0);
    store.ingest('source', [], 15_000);
    const result = query(store, 'up', 30_000);
    expect(result.type === 'vector' && result.samples).toEqual([]);
    expect(query(store, 'count_over_time(up[1m])', 30_000)).toMatchObject({ type: 'vector', samples: [{ value: 1 }] });
  });
});
