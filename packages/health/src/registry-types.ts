import type { Disposable, DurationInput } from '@telltale/core';
import type { RegisterOptions } from './registry-options.js';
import type { DrainableServer } from './server-drain.js';
import type { HealthCheck, HealthDocument } from './types.js';

/**
 * Lifecycle of a registry: `running`, then `shutting-down` after `beginShutdown()`, then `stopped`.
 *
 * @example
 * ```ts
 * registry.onStateChange((state: HealthRegistryState) => logger.info({ state }, 'health state'));
 * ```
 */
export type HealthRegistryState = 'running' | 'shutting-down' | 'stopped';

/**
 * What {@link HealthRegistry.run} selects.
 *
 * @example
 * ```ts
 * const document = await registry.run({ tags: ['search'] });
 * const postgres = await registry.run({ component: 'postgres' });
 * ```
 */
export interface RunOptions {
  /** Only checks carrying at least one of these tags. Default: every check. */
  tags?: readonly string[];
  /** Only the checks of this component (the part of the name before `:`). */
  component?: string;
  /**
   * Stops waiting (rejects with `TELLTALE_ABORTED`) when it aborts. Runs in
   * progress continue for other callers; each is bounded by its check's timeout.
   */
  signal?: AbortSignal;
}

/**
 * A registered check, as {@link HealthRegistry.checks} lists it.
 *
 * @example
 * ```ts
 * const background = registry.checks().filter((check: RegisteredCheck) => check.interval !== undefined);
 * ```
 */
export interface RegisteredCheck {
  name: string;
  key: string;
  component: string;
  tags: readonly string[];
  critical: boolean;
  /** Background interval in milliseconds, when the check runs in the background. */
  interval: number | undefined;
  timeout: number;
}

/**
 * Options of {@link HealthRegistry.onShutdown}.
 *
 * @example
 * ```ts
 * registry.onShutdown(() => consumer.stop(), { name: 'kafka consumer', timeout: '10s' });
 * ```
 */
export interface ShutdownHandlerOptions {
  /** Shown in logs. */
  name?: string;
  /** Longest wait for this handler. Default: the registry's `shutdownHandlerTimeout`. */
  timeout?: DurationInput;
}

/**
 * A health-check registry: see {@link createHealthRegistry}.
 *
 * @example
 * ```ts
 * const registry = createHealthRegistry();
 * registry.register('uptime', () => ({ status: 'pass', observedValue: process.uptime(), observedUnit: 's' }), {
 *   tags: ['live'],
 * });
 * const document = await registry.readiness();
 * ```
 */
export interface HealthRegistry extends AsyncDisposable {
  /** Adds a check; `dispose()` on the result removes it. Names are unique. */
  register(name: string, check: HealthCheck, options?: RegisterOptions): Disposable;
  /** Every registered check. */
  checks(): readonly RegisteredCheck[];
  /** Runs (or reads cached results of) the selected checks and builds the document (frozen: it may be shared). */
  run(options?: RunOptions): Promise<HealthDocument>;
  /** Checks tagged `live`. Keeps passing during shutdown. */
  liveness(): Promise<HealthDocument>;
  /** Checks tagged `ready`; `fail` at once after `beginShutdown()`. */
  readiness(): Promise<HealthDocument>;
  /** Checks tagged `startup`. */
  startup(): Promise<HealthDocument>;
  /** Current lifecycle state. */
  readonly state: HealthRegistryState;
  /** Listens for state changes. */
  onStateChange(listener: (state: HealthRegistryState) => void): Disposable;
  /** Registers work to run during shutdown (close pools, flush queues), after in-flight requests drain. */
  onShutdown(handler: () => unknown, options?: ShutdownHandlerOptions): Disposable;
  /** Drains this node:http(s) server's in-flight requests and closes it during shutdown. */
  manageServer(server: DrainableServer): Disposable;
  /**
   * Fails readiness at once, waits `shutdownDelay`, closes managed servers
   * draining in-flight requests, runs shutdown handlers, stops background
   * checks. Idempotent: every call returns the same promise.
   */
  beginShutdown(): Promise<void>;
  /** Stops background checks and removes signal listeners (does not run the shutdown sequence). */
  close(): Promise<void>;
}
