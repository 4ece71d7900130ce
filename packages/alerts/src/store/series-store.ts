import { options as validate, type DurationInput } from '@telltale/core';
import { labelsKey, METRIC_NAME, type Labels } from './labels.js';
import type { LabelMatcher } from '../promql/ast.js';
import { matches } from '../promql/match.js';
import { StoredSeries } from './stored-series.js';

/** One sample offered by a {@link SeriesSource}: a label set (with `__name__`) and a value. */
export interface CollectedSample {
  readonly labels: Labels;
  readonly value: number;
}

/**
 * Where the engine reads current values from, once per evaluation. The
 * engine stores what `collect` returns with the evaluation time as the
 * timestamp, like a Prometheus scrape; series missing from a later
 * collection get a staleness marker.
 *
 * @example
 * ```ts
 * import type { SeriesSource } from '@telltale/alerts';
 * let queueDepth = 0;
 * const source: SeriesSource = {
 *   collect: () => [{ labels: { __name__: 'queue_depth', queue: 'mail' }, value: queueDepth }],
 * };
 * ```
 */
export interface SeriesSource {
  collect(time: number): Promise<readonly CollectedSample[]> | readonly CollectedSample[];
}

/** Options of {@link createSeriesStore}. */
export interface SeriesStoreOptions {
  /** How long samples are kept. Default `'1h'`. */
  retention?: DurationInput;
  /** Hard cap of samples per series (oldest dropped first). Default 1024. */
  maxSamplesPerSeries?: number;
}

/** The in-memory time-series store the evaluator reads. See {@link createSeriesStore}. */
export interface SeriesStore {
  /** Appends one sample (or a staleness marker) to the series with `labels`. */
  append(labels: Labels, time: number, value: number, options?: { stale?: boolean }): void;
  /**
   * Stores one collection of `scope` (a source, or a recording rule) at
   * `time`: every sample is appended, and series the scope returned last
   * time but not now get a staleness marker, as a Prometheus scrape does.
   */
  ingest(scope: string, samples: readonly CollectedSample[], time: number): void;
  /** Series matching the selector. */
  select(name: string | undefined, matchers: readonly LabelMatcher[]): StoredSeries[];
  /** Drops samples older than the retention and series left empty. */
  truncate(now: number): void;
  /** Number of series held. */
  seriesCount(): number;
  /** Number of samples held. */
  sampleCount(): number;
  /** Bytes held by sample buffers (typed arrays), for capacity planning. */
  sampleBytes(): number;
}

/**
 * Creates the in-memory series store: typed-array ring buffers per series,
 * bounded by a retention time and a per-series sample cap.
 *
 * @example
 * ```ts
 * import { createSeriesStore } from '@telltale/alerts';
 * const store = createSeriesStore({ retention: '1h', maxSamplesPerSeries: 240 });
 * store.append({ __name__: 'up', job: 'api' }, Date.now(), 1);
 * ```
 */
export function createSeriesStore(options: SeriesStoreOptions = {}): SeriesStore {
  validate.object('options', options);
  const retention = validate.duration('retention', options.retention, '1h');
  const cap = validate.positiveInteger('maxSamplesPerSeries', options.maxSamplesPerSeries, 1024);
  const byKey = new Map<string, StoredSeries>();
  const byName = new Map<string, Set<StoredSeries>>();
  const scopes = new Map<string, Set<StoredSeries>>();

  const seriesFor = (labels: Labels): StoredSeries => {
    const key = labelsKey(labels);
    let series = byKey.get(key);
    if (!series) {
      series = new StoredSeries(labels, key);
      byKey.set(key, series);
      const name = labels[METRIC_NAME] ?? '';
      let named = byName.get(name);
      if (!named) byName.set(name, (named = new Set()));
      named.add(series);
    }
    return series;
  };

  const remove = (series: StoredSeries): void => {
    byKey.delete(series.key);
    const name = series.labels[METRIC_NAME] ?? '';
    const named = byName.get(name);
    named?.delete(series);
    if (named?.size === 0) byName.delete(name);
    for (const scope of scopes.values()) scope.delete(series);
  };

  return {
    append(labels, time, value, appendOptions = {}) {
      seriesFor(labels).append(time, value, appendOptions.stale === true, cap);
    },
    ingest(scope, samples, time) {
      const previous = scopes.get(scope);
      const current = new Set<StoredSeries>();
      for (const sample of samples) {
        const series = seriesFor(sample.labels);
        if (current.has(series)) continue;
        current.add(series);
        series.append(time, sample.value, false, cap);
      }
      if (previous) {
        for (const series of previous) if (!current.has(series)) series.append(time, Number.NaN, true, cap);
      }
      scopes.set(scope, current);
    },
    select(name, matchers) {
      const candidates = name === undefined ? byKey.values() : (byName.get(name) ?? []);
      const result: StoredSeries[] = [];
      outer: for (const series of candidates) {
        for (const matcher of matchers) {
          if (!matches(matcher, series.labels[matcher.name] ?? '')) continue outer;
        }
        result.push(series);
      }
      return result;
    },
    truncate(now) {
      const cutoff = now - retention;
      for (const series of byKey.values()) {
        series.truncate(cutoff);
        if (series.length === 0) remove(series);
      }
    },
    seriesCount: () => byKey.size,
    sampleCount() {
      let total = 0;
      for (const series of byKey.values()) total += series.length;
      return total;
    },
    sampleBytes() {
      let total = 0;
      for (const series of byKey.values()) total += series.capacity * 17;
      return total;
    },
  };
}
