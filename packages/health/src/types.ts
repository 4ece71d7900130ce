/**
 * Status of a check or a whole document, as in draft-inadarei-api-health-check:
 * `pass` (healthy), `warn` (healthy with concerns), `fail` (unhealthy).
 *
 * @example
 * ```ts
 * import type { HealthStatus } from '@telltale/health';
 * const status: HealthStatus = 'warn';
 * ```
 */
export type HealthStatus = 'pass' | 'warn' | 'fail';

/**
 * What a check reports. Only `status` is required; a check that resolves
 * `{ status: 'fail' }` fails exactly like one that throws.
 *
 * @example
 * ```ts
 * import type { HealthCheckResult } from '@telltale/health';
 * const result: HealthCheckResult = { status: 'pass', observedValue: 12, observedUnit: 'ms' };
 * ```
 */
export interface HealthCheckResult {
  /** `pass`, `warn` or `fail`. */
  status: HealthStatus;
  /** The measured value (a response time, a ratio, a count, ...). */
  observedValue?: unknown;
  /** Unit of `observedValue`, e.g. `ms`, `%`, `bytes`. */
  observedUnit?: string;
  /** Human-readable detail, shown for `warn` and `fail` (secrets are redacted). */
  output?: string;
}

/**
 * What the registry passes to a check on each run.
 *
 * @example
 * ```ts
 * import type { HealthCheckContext } from '@telltale/health';
 * const check = async ({ signal }: HealthCheckContext) => {
 *   await fetch('http://search.internal/_cluster/health', { signal });
 *   return { status: 'pass' as const };
 * };
 * ```
 */
export interface HealthCheckContext {
  /** Aborted when the check's `timeout` elapses or the registry closes: stop work and release resources. */
  signal: AbortSignal;
}

/**
 * The health-check port: any function that reports a {@link HealthCheckResult}
 * (or throws, which counts as `fail`). Other packages satisfy it without
 * depending on this one, e.g. a circuit breaker's `healthCheck()` returns a
 * function of this shape. Honour `signal` so a timed-out check stops working.
 *
 * A check function may carry optional defaults for how it is shown
 * (see {@link HealthCheckDefaults}); the built-in checks do.
 *
 * @example
 * ```ts
 * import type { HealthCheck } from '@telltale/health';
 * const database: HealthCheck = async ({ signal }) => {
 *   await pool.query({ text: 'select 1', signal });
 *   return { status: 'pass' };
 * };
 * ```
 */
export type HealthCheck = (context: HealthCheckContext) => HealthCheckResult | Promise<HealthCheckResult>;

/**
 * Optional properties a check function may carry so the registry can show it
 * well without registration options: the measurement half of the
 * `component:measurement` key and the `componentType`. Register options win.
 *
 * @example
 * ```ts
 * import type { HealthCheck, HealthCheckDefaults } from '@telltale/health';
 * const check: HealthCheck & HealthCheckDefaults = Object.assign(async () => ({ status: 'pass' as const }), {
 *   measurement: 'responseTime',
 *   componentType: 'datastore',
 * });
 * ```
 */
export interface HealthCheckDefaults {
  /** Measurement name, e.g. `responseTime`, `utilization`. */
  measurement?: string;
  /** `component`, `datastore`, `system` or any string. */
  componentType?: string;
  /** Releases resources the check owns; called when it is unregistered or the registry closes. */
  close?: () => void;
}

/**
 * One entry of a document's `checks` map, in draft-inadarei-api-health-check form.
 *
 * @example
 * ```ts
 * import type { HealthCheckEntry } from '@telltale/health';
 * const entry: HealthCheckEntry = { componentType: 'datastore', status: 'pass', time: new Date().toISOString() };
 * ```
 */
export interface HealthCheckEntry {
  componentId?: string;
  componentType?: string;
  observedValue?: unknown;
  observedUnit?: string;
  status: HealthStatus;
  /** ISO 8601 time at which the result was observed. */
  time: string;
  output?: string;
}

/**
 * An `application/health+json` document (draft-inadarei-api-health-check).
 * Only `status` is present in quick mode or when details are hidden.
 *
 * @example
 * ```ts
 * import type { HealthDocument } from '@telltale/health';
 * const document: HealthDocument = { status: 'pass' };
 * ```
 */
export interface HealthDocument {
  status: HealthStatus;
  version?: string;
  releaseId?: string;
  serviceId?: string;
  description?: string;
  notes?: string[];
  output?: string;
  /** Keyed `component:measurement`, each an array of entries. */
  checks?: Record<string, HealthCheckEntry[]>;
}
