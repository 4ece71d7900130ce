import type { ExpositionSample } from './prometheus-text.js';

/** Cumulative request-duration histogram of one `(method, route)`, summed over its other labels. */
export interface RouteHistogram {
  method: string;
  route: string | undefined;
  /** Cumulative count per `le` (as written in the exposition, `+Inf` included). */
  buckets: Map<string, number>;
  count: number;
  sum: number;
  /** Requests that ended in a 5xx or carry `error_type`. */
  errors: number;
}

// The OTel Prometheus exporter writes `http_server_request_duration_seconds_*`
// unless units are dropped; Telltale's own exposition has no unit suffix.
const SERIES = /^http_server_request_duration(?:_seconds)?_(bucket|sum|count)$/;

const keyOf = (method: string, route: string | undefined) => `${method} ${route ?? ''}`;

function isError(labels: Record<string, string>): boolean {
  if (labels.error_type !== undefined && labels.error_type !== '') return true;
  const status = Number(labels.http_response_status_code);
  return status >= 500;
}

/** Groups the HTTP server duration histogram by `http_request_method` and `http_route`. */
export function routeHistograms(samples: readonly ExpositionSample[]): Map<string, RouteHistogram> {
  const routes = new Map<string, RouteHistogram>();
  for (const sample of samples) {
    const kind = SERIES.exec(sample.name)?.[1];
    if (!kind || !Number.isFinite(sample.value)) continue;
    const method = sample.labels.http_request_method ?? '_OTHER';
    const route = sample.labels.http_route;
    const key = keyOf(method, route);
    let entry = routes.get(key);
    if (!entry) {
      entry = { method, route, buckets: new Map(), count: 0, sum: 0, errors: 0 };
      routes.set(key, entry);
    }
    if (kind === 'bucket') {
      const le = sample.labels.le ?? '+Inf';
      entry.buckets.set(le, (entry.buckets.get(le) ?? 0) + sample.value);
    } else if (kind === 'sum') {
      entry.sum += sample.value;
    } else {
      entry.count += sample.value;
      if (isError(sample.labels)) entry.errors += sample.value;
    }
  }
  return routes;
}

/**
 * What happened between two scrapes: `later - earlier` per route. A route
 * whose count went down restarted (counter reset), so its later values are
 * taken whole, as Prometheus' `rate()` does.
 */
export function diffRouteHistograms(
  earlier: ReadonlyMap<string, RouteHistogram>,
  later: ReadonlyMap<string, RouteHistogram>,
): Map<string, RouteHistogram> {
  const result = new Map<string, RouteHistogram>();
  for (const [key, now] of later) {
    const before = earlier.get(key);
    if (!before || now.count < before.count) {
      result.set(key, now);
      continue;
    }
    const buckets = new Map<string, number>();
    for (const [le, value] of now.buckets) buckets.set(le, Math.max(0, value - (before.buckets.get(le) ?? 0)));
    result.set(key, {
      method: now.method,
      route: now.route,
      buckets,
      count: now.count - before.count,
      sum: now.sum - before.sum,
      errors: Math.max(0, now.errors - before.errors),
    });
  }
  return result;
}

/** Finite upper bounds and per-bucket (not cumulative) counts, the +Inf bucket last. */
export function perBucketCounts(histogram: RouteHistogram): { bounds: number[]; counts: number[] } {
  const entries = [...histogram.buckets]
    .map(([le, cumulative]) => ({ bound: Number(le === '+Inf' ? Number.POSITIVE_INFINITY : le), cumulative }))
    .filter((entry) => !Number.isNaN(entry.bound))
    .sort((a, b) => a.bound - b.bound);
  if (entries.length === 0 || entries[entries.length - 1]!.bound !== Number.POSITIVE_INFINITY) {
    entries.push({ bound: Number.POSITIVE_INFINITY, cumulative: histogram.count });
  }
  const bounds: number[] = [];
  const counts: number[] = [];
  let previous = 0;
  for (const entry of entries) {
    if (entry.bound !== Number.POSITIVE_INFINITY) bounds.push(entry.bound);
    // Cumulative counts never decrease; clamp what a racy scrape could produce.
    counts.push(Math.max(0, entry.cumulative - previous));
    previous = Math.max(previous, entry.cumulative);
  }
  return { bounds, counts };
}
