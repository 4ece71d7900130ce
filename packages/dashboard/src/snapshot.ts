import { describeError, redactSecrets } from '@telltale/core';
import type { ProcessStats } from './process-stats.js';
import type {
  AlertView,
  BreakerView,
  CacheView,
  DashboardSources,
  HealthDoc,
  QueueView,
  RouteStats,
  SttView,
} from './views.js';

/**
 * A route in a {@link DashboardSnapshot}, with its recent history for the charts.
 *
 * @example
 * ```ts
 * import type { RouteRow } from '@telltale/dashboard';
 * const slowest = (rows: readonly RouteRow[]) => rows.toSorted((a, b) => (b.p95 ?? 0) - (a.p95 ?? 0))[0];
 * ```
 */
export interface RouteRow extends RouteStats {
  /** Oldest first, one point per tick (`null` where there was no traffic). */
  readonly history: {
    readonly p95: readonly (number | null)[];
    readonly rate: readonly number[];
    readonly errorRatio: readonly number[];
  };
}

/**
 * A flattened health check in a {@link DashboardSnapshot}.
 *
 * @example
 * ```ts
 * import type { HealthRow } from '@telltale/dashboard';
 * const row: HealthRow = { name: 'db:responseTime', status: 'pass', observed: '3 ms' };
 * ```
 */
export interface HealthRow {
  readonly name: string;
  readonly status: string;
  readonly output?: string;
  readonly observed?: string;
}

/**
 * What the page receives on every tick (over SSE and from `snapshot.json`).
 * Sections whose source is not configured are `undefined`.
 *
 * @example
 * ```ts
 * import type { DashboardSnapshot } from '@telltale/dashboard';
 * const snapshot: DashboardSnapshot = await dashboard.snapshot();
 * const firing = snapshot.alerts?.filter((alert) => alert.state === 'firing').length ?? 0;
 * ```
 */
export interface DashboardSnapshot {
  /** Event id; also the `ETag` of `snapshot.json`. */
  readonly id: string;
  /** Epoch milliseconds. */
  readonly takenAt: number;
  /** Tick interval in milliseconds. */
  readonly tick: number;
  readonly title: string;
  readonly capabilities: { readonly silence: boolean; readonly profiles?: boolean };
  readonly routes?: readonly RouteRow[];
  readonly health?: { readonly status: string; readonly checks: readonly HealthRow[] };
  readonly alerts?: readonly AlertView[];
  readonly breakers?: readonly BreakerView[];
  readonly queues?: readonly (QueueView & { readonly history: readonly number[] })[];
  readonly stt?: readonly SttView[];
  /** Caches with their hit ratio, and its recent history (`null` where there was no lookup). */
  readonly caches?: readonly (CacheView & { readonly history: readonly (number | null)[] })[];
  readonly process: ProcessStats & {
    readonly history: { readonly eventLoopDelayP99: readonly number[]; readonly heapUsed: readonly number[] };
  };
  /** Sources that failed this tick, by section name, with the error message. */
  readonly errors: Readonly<Record<string, string>>;
}

type Section = keyof DashboardSources;

/** Bounded ring of the last `length` values of each named series. */
function createHistory(length: number) {
  const series = new Map<string, { values: (number | null)[]; seenAt: number }>();
  let round = 0;
  return {
    nextRound(): void {
      round++;
      // Forget series (routes, queues) not seen for a whole history window.
      for (const [key, entry] of series) if (round - entry.seenAt > length) series.delete(key);
    },
    push(key: string, value: number | null): (number | null)[] {
      let entry = series.get(key);
      if (entry === undefined) series.set(key, (entry = { values: [], seenAt: round }));
      entry.seenAt = round;
      entry.values.push(value);
      if (entry.values.length > length) entry.values.splice(0, entry.values.length - length);
      return entry.values.slice();
    },
  };
}

const round = (value: number | undefined, digits = 6): number | undefined =>
  value === undefined || !Number.isFinite(value) ? undefined : Number(value.toFixed(digits));

// Observed values are usually numbers or strings; anything else is shown as JSON, never "[object Object]".
const formatObserved = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);

function flattenHealth(document: HealthDoc): { status: string; checks: HealthRow[] } {
  const checks: HealthRow[] = [];
  for (const [name, results] of Object.entries(document.checks ?? {})) {
    for (const result of results) {
      const observed =
        result.observedValue === undefined
          ? undefined
          : `${formatObserved(result.observedValue)}${result.observedUnit ? ` ${result.observedUnit}` : ''}`;
      checks.push({
        name: result.componentId && !name.startsWith(result.componentId) ? `${result.componentId} ${name}` : name,
        status: String(result.status),
        ...(result.output === undefined ? {} : { output: result.output }),
        ...(observed === undefined ? {} : { observed }),
      });
    }
  }
  return { status: String(document.status), checks };
}

const routeKey = (stats: RouteStats): string => `${stats.method} ${stats.route ?? '(unmatched)'}`;

// Sources may throw anything; the text goes to every viewer, so it is redacted.
const messageOf = (error: unknown): string => redactSecrets(describeError(error, { maxLength: 500 }));

/** Options of {@link createSnapshotCollector}. */
export interface SnapshotCollectorOptions {
  sources: DashboardSources;
  title: string;
  tick: number;
  historyLength: number;
  maxRoutes: number;
  silence: boolean;
  /** Whether the profile actions are available (`authorize.act` is set). */
  profiles?: boolean;
  now: () => number;
  readProcess: () => ProcessStats;
  /** Resolves to `undefined` after this many milliseconds (bounds a slow health run). */
  timeout: <T>(promise: Promise<T>) => Promise<T | undefined>;
}

/** Calls every source once and assembles a snapshot, keeping chart history between calls. */
export function createSnapshotCollector(options: SnapshotCollectorOptions) {
  const { sources } = options;
  const history = createHistory(options.historyLength);

  const call = <T>(section: Section, errors: Record<string, string>, read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      errors[section] = messageOf(error);
      return undefined;
    }
  };

  // Routes seen recently but idle this tick stay on the page (rate 0, a gap
  // in the latency chart) until they leave the history window.
  const knownRoutes = new Map<string, { method: string; route: string | undefined; idleTicks: number }>();

  const routeRows = (stats: readonly RouteStats[]): RouteRow[] => {
    const current = new Map(stats.map((entry) => [routeKey(entry), entry]));
    for (const [key, known] of knownRoutes) {
      if (current.has(key)) continue;
      if (++known.idleTicks > options.historyLength) knownRoutes.delete(key);
      else current.set(key, { method: known.method, route: known.route, rate: 0, errorRatio: 0 });
    }
    return [...current]
      .sort(([, a], [, b]) => b.rate - a.rate)
      .slice(0, options.maxRoutes)
      .map(([key, entry]): RouteRow => {
        const known = knownRoutes.get(key);
        if (entry.rate > 0 || known === undefined)
          knownRoutes.set(key, { method: entry.method, route: entry.route, idleTicks: 0 });
        const p95 = round(entry.p95);
        const rate = round(entry.rate, 3) ?? 0;
        const errorRatio = round(entry.errorRatio, 4) ?? 0;
        return {
          method: entry.method,
          route: entry.route,
          rate,
          p50: round(entry.p50),
          p95,
          p99: round(entry.p99),
          errorRatio,
          ...(entry.count === undefined ? {} : { count: entry.count }),
          history: {
            p95: history.push(`p95 ${key}`, p95 ?? null),
            rate: history.push(`rate ${key}`, rate) as number[],
            errorRatio: history.push(`errors ${key}`, errorRatio) as number[],
          },
        };
      });
  };

  return async (id: string): Promise<DashboardSnapshot> => {
    const errors: Record<string, string> = {};
    const healthPromise =
      sources.health === undefined
        ? undefined
        : options.timeout(Promise.resolve().then(() => sources.health!())).then(
            (document) => {
              if (document === undefined) errors.health = 'health run did not finish within one tick';
              return document;
            },
            (error: unknown) => {
              errors.health = messageOf(error);
              return undefined;
            },
          );
    history.nextRound();

    const routeStats = sources.routes && call('routes', errors, () => [...sources.routes!()]);
    const routes = routeStats && routeRows(routeStats);
    const queues = sources.queues
      ? call('queues', errors, () =>
          sources.queues!().map((queue) => ({
            ...queue,
            history: history.push(`queue ${queue.name}`, queue.depth) as number[],
          })),
        )
      : undefined;
    const alerts = sources.alerts && call('alerts', errors, () => [...sources.alerts!()]);
    const breakers = sources.breakers && call('breakers', errors, () => [...sources.breakers!()]);
    const stt = sources.stt && call('stt', errors, () => [...sources.stt!()]);
    const caches = sources.caches
      ? call('caches', errors, () =>
          sources.caches!().map((cache) => ({
            ...cache,
            hitRatio: round(cache.hitRatio, 4),
            history: history.push(`cache ${cache.name}`, round(cache.hitRatio, 4) ?? null),
          })),
        )
      : undefined;
    const processStats = options.readProcess();
    const healthDocument = healthPromise && (await healthPromise);

    return {
      id,
      takenAt: options.now(),
      tick: options.tick,
      title: options.title,
      capabilities: { silence: options.silence, profiles: options.profiles ?? false },
      ...(sources.routes ? { routes: routes ?? [] } : {}),
      ...(sources.health
        ? { health: healthDocument ? flattenHealth(healthDocument) : { status: 'unknown', checks: [] } }
        : {}),
      ...(sources.alerts ? { alerts: alerts ?? [] } : {}),
      ...(sources.breakers ? { breakers: breakers ?? [] } : {}),
      ...(sources.queues ? { queues: queues ?? [] } : {}),
      ...(sources.stt ? { stt: stt ?? [] } : {}),
      ...(sources.caches ? { caches: caches ?? [] } : {}),
      process: {
        ...processStats,
        history: {
          eventLoopDelayP99: history.push('process eventLoopDelayP99', processStats.eventLoopDelay.p99) as number[],
          heapUsed: history.push('process heapUsed', processStats.memory.heapUsed) as number[],
        },
      },
      errors,
    };
  };
}
