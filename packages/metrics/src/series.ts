import type { Attributes } from '@opentelemetry/api';

const NO_STATUS = -1;

// Same keys in the same order as the per-request attributes of the SDK path,
// so the Prometheus labels come out byte-identical.
function attributesOf(
  method: string,
  scheme: string,
  version: string,
  status: number,
  route: string | undefined,
  errorType: string | undefined,
): Attributes {
  const attributes: Attributes = {
    'http.request.method': method,
    'url.scheme': scheme,
    'network.protocol.version': version,
  };
  if (status >= 0) attributes['http.response.status_code'] = status;
  if (route !== undefined) attributes['http.route'] = route;
  if (errorType !== undefined) attributes['error.type'] = errorType;
  return attributes;
}

/**
 * One `http.server.request.duration` series, pre-aggregated on the request
 * path: the attribute values it was found by, bucket counts, sum, count,
 * min and max. `attributes` is built once, when the series is first seen.
 */
export interface DurationSeries {
  readonly method: string;
  readonly scheme: string;
  readonly version: string;
  /** `-1` when no headers were sent (no `http.response.status_code`). */
  readonly status: number;
  readonly errorType: string | undefined;
  readonly attributes: Attributes;
  /** Epoch milliseconds of the first request (the cumulative start time). */
  readonly startedAt: number;
  readonly counts: Float64Array;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** The series of one `http.route` value (`undefined`: no route matched). */
export interface RouteSeries {
  readonly route: string | undefined;
  readonly series: DurationSeries[];
}

/**
 * The duration histogram of one recorder, aggregated per attribute set.
 * A request costs one Map lookup by route (which also answers the route
 * guard for every route seen before), a short scan comparing a few interned
 * strings and a number, and a handful of increments: no attribute object, no
 * string key, no hashing per request.
 */
export class DurationTable {
  /** Keyed by the guarded route: a route beyond `maxRoutes` is never a key (its requests go to the overflow route's group). */
  readonly routes = new Map<string | undefined, RouteSeries>();
  /** Series in first-seen order (the order the SDK would export them in). */
  readonly ordered: DurationSeries[] = [];
  private overflow: DurationSeries | undefined;

  /**
   * `guard` caps the distinct routes (see `createRouteGuard`); it is asked
   * only about routes without a group yet. `cardinalityLimit` mirrors the
   * SDK's per-stream limit (2000 by default): the first `limit - 1`
   * attribute sets are kept, later ones are folded into one
   * `otel.metric.overflow=true` series, as the SDK does.
   */
  constructor(
    readonly bounds: readonly number[],
    private readonly guard: (route: string) => string = (route) => route,
    private readonly cardinalityLimit = 2000,
  ) {}

  /** The group of a (raw) route: the route guard runs only for a route not seen before. */
  group(route: string | undefined): RouteSeries {
    let group = this.routes.get(route);
    if (group !== undefined) return group;
    if (route !== undefined) {
      const guarded = this.guard(route);
      if (guarded !== route) return this.group(guarded);
    }
    this.routes.set(route, (group = { route, series: [] }));
    return group;
  }

  /** Records one request into `group` (from {@link DurationTable.group}). */
  record(
    group: RouteSeries,
    method: string,
    scheme: string,
    version: string,
    status: number,
    errorType: string | undefined,
    seconds: number,
  ): void {
    const list = group.series;
    let series: DurationSeries | undefined;
    for (let index = 0; index < list.length; index++) {
      const candidate = list[index]!;
      if (
        candidate.status === status &&
        candidate.method === method &&
        candidate.errorType === errorType &&
        candidate.version === version &&
        candidate.scheme === scheme
      ) {
        series = candidate;
        break;
      }
    }
    if (series === undefined) {
      if (this.ordered.length - (this.overflow === undefined ? 0 : 1) >= this.cardinalityLimit - 1) {
        series = this.overflow ??= this.createOverflow();
      } else {
        series = this.create(method, scheme, version, status, group.route, errorType);
        list.push(series);
        this.ordered.push(series);
      }
    }
    this.add(series, seconds);
  }

  private add(series: DurationSeries, seconds: number): void {
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket++;
    series.counts[bucket]!++;
    series.count++;
    series.sum += seconds;
    if (seconds < series.min) series.min = seconds;
    if (seconds > series.max) series.max = seconds;
  }

  // Not in `routes`: snapshot() leaves it out, as it has no method or route.
  private createOverflow(): DurationSeries {
    const series = this.create('', '', '', NO_STATUS, undefined, undefined, { 'otel.metric.overflow': true });
    this.ordered.push(series);
    return series;
  }

  private create(
    method: string,
    scheme: string,
    version: string,
    status: number,
    route: string | undefined,
    errorType: string | undefined,
    attributes = attributesOf(method, scheme, version, status, route, errorType),
  ): DurationSeries {
    return {
      method,
      scheme,
      version,
      status,
      errorType,
      attributes,
      startedAt: Date.now(),
      counts: new Float64Array(this.bounds.length + 1),
      count: 0,
      sum: 0,
      min: Infinity,
      max: -Infinity,
    };
  }
}
