import {
  createEmitter,
  options as validate,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Disposable,
} from '@telltale/core';
import { createCheckEntry, type CheckConfig, type CheckEntry } from './check-entry.js';
import { buildDocument, type DocumentIdentity } from './document.js';
import {
  booleanOption,
  optionalString,
  positiveDuration,
  validateName,
  validateTags,
  type HealthRegistryOptions,
  type RegisterOptions,
} from './registry-options.js';
import type { CheckOutcome } from './run-check.js';
import type { DrainableServer } from './server-drain.js';
import { createShutdownSequence } from './shutdown.js';
import { createHealthTelemetry } from './telemetry.js';
import type { HealthCheck, HealthCheckDefaults, HealthDocument } from './types.js';

function validateSignals(value: unknown): NodeJS.Signals[] {
  if (value === undefined) return ['SIGTERM', 'SIGINT'];
  if (!Array.isArray(value) || !value.every((signal) => typeof signal === 'string' && signal.startsWith('SIG'))) {
    throw new TelltaleConfigError({ option: 'signals', value, expected: 'an array of signal names such as "SIGTERM"' });
  }
  return value as NodeJS.Signals[];
}

/** Documents are shared between callers, so they must not change under them. */
function freezeDocument(document: HealthDocument): HealthDocument {
  for (const entries of Object.values(document.checks ?? {})) {
    for (const entry of entries) Object.freeze(entry);
    Object.freeze(entries);
  }
  if (document.checks) Object.freeze(document.checks);
  return Object.freeze(document);
}

const isPending = (value: CheckOutcome | Promise<CheckOutcome>): boolean => value instanceof Promise;

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
  timeout?: number | string;
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

/**
 * Creates a health-check registry serving liveness, readiness, startup and
 * custom groups as `application/health+json` documents, with background
 * checks, single-flight on-demand checks, per-check timeouts and graceful
 * shutdown. Mount it with `@telltale/health/express`, `/fastify` or `/node`.
 *
 * @example
 * ```ts
 * import { createHealthRegistry, httpCheck, memoryCheck } from '@telltale/health';
 *
 * const registry = createHealthRegistry({ releaseId: process.env.GIT_SHA, handleSignals: true });
 * registry.register('memory', memoryCheck({ warnAt: 0.8, failAt: 0.95 }), { tags: ['live'] });
 * registry.register('payments-api', httpCheck('http://payments.internal/health'), {
 *   interval: '5s',
 *   critical: false,
 * });
 * registry.onShutdown(() => pool.end(), { name: 'postgres pool' });
 * ```
 */
export function createHealthRegistry(options: HealthRegistryOptions = {}): HealthRegistry {
  validate.object('options', options);
  const clock = options.clock ?? systemClock;
  const logger = resolveLogger(options.logger);
  const defaultTimeout = positiveDuration('defaultTimeout', options.defaultTimeout, '2s');
  const defaultCacheFor = validate.duration('cacheFor', options.cacheFor, '1s');
  const shutdownDelay = validate.duration('shutdownDelay', options.shutdownDelay, '5s');
  const drainTimeout = validate.duration('drainTimeout', options.drainTimeout, '10s');
  const handlerTimeout = positiveDuration('shutdownHandlerTimeout', options.shutdownHandlerTimeout, '5s');
  const handleSignals = booleanOption('handleSignals', options.handleSignals, false);
  const signals = validateSignals(options.signals);
  const identity: DocumentIdentity = {
    version: optionalString('version', options.version),
    releaseId: optionalString('releaseId', options.releaseId),
    serviceId: optionalString('serviceId', options.serviceId),
    description: optionalString('description', options.description),
  };
  if (
    options.meterProvider !== undefined &&
    options.meterProvider !== false &&
    typeof options.meterProvider?.getMeter !== 'function'
  ) {
    throw new TelltaleConfigError({
      option: 'meterProvider',
      value: options.meterProvider,
      expected: 'an OpenTelemetry MeterProvider or false',
    });
  }

  const entries = new Map<string, CheckEntry>();
  let handlerCount = 0;
  const stateChanges = createEmitter<HealthRegistryState>((error) =>
    logger.error({ err: error }, 'health state listener threw'),
  );
  const telemetry = createHealthTelemetry(options.meterProvider, () => entries.values());
  let state: HealthRegistryState = 'running';

  const setState = (next: HealthRegistryState): void => {
    state = next;
    stateChanges.emit(next);
  };

  const onOutcome = (config: CheckConfig, outcome: CheckOutcome): void => {
    telemetry.record(config, outcome);
    if (outcome.status !== 'pass') {
      logger.warn({ check: config.key, status: outcome.status, output: outcome.output }, 'health check not passing');
    }
  };

  const select = (selection: RunOptions): CheckEntry[] => {
    const selected: CheckEntry[] = [];
    for (const entry of entries.values()) {
      if (selection.component !== undefined && entry.config.component !== selection.component) continue;
      if (selection.tags !== undefined && !selection.tags.some((tag) => entry.config.tags.has(tag))) continue;
      selected.push(entry);
    }
    return selected;
  };

  // Last document per selection: probes of background checks reuse it until a result changes.
  const documents = new Map<string, { entries: CheckEntry[]; outcomes: CheckOutcome[]; document: HealthDocument }>();
  const documentFor = (key: string, selected: CheckEntry[], outcomes: CheckOutcome[]): HealthDocument => {
    const previous = documents.get(key);
    if (
      previous !== undefined &&
      previous.entries.length === selected.length &&
      previous.entries.every(
        (entry, index) => entry === selected[index] && previous.outcomes[index] === outcomes[index],
      )
    ) {
      return previous.document;
    }
    const document = freezeDocument(buildDocument(identity, selected, outcomes));
    documents.set(key, { entries: selected, outcomes, document });
    return document;
  };

  const run = (selection: RunOptions = {}): Promise<HealthDocument> => {
    const selected = select(selection);
    const current = selected.map((entry) => entry.current());
    const key = `${selection.component ?? ''}|${selection.tags?.join(',') ?? '*'}`;
    // Background results are plain values: build the document without waiting on anything.
    if (!current.some(isPending)) return Promise.resolve(documentFor(key, selected, current as CheckOutcome[]));
    return Promise.all(current.map((value) => Promise.resolve(value))).then((outcomes) =>
      documentFor(key, selected, outcomes),
    );
  };

  const closeChecks = (): void => {
    for (const entry of entries.values()) entry.close();
  };

  const shutdown = createShutdownSequence({
    clock,
    logger,
    shutdownDelay,
    drainTimeout,
    handlerTimeout,
    signals: handleSignals ? signals : [],
    onBegin: () => setState('shutting-down'),
    onComplete() {
      closeChecks();
      telemetry.close();
      setState('stopped');
    },
  });

  const registry: HealthRegistry = {
    register(name, check, registerOptions = {}) {
      validateName(name);
      if (typeof check !== 'function')
        throw new TelltaleConfigError({ option: 'check', value: check, expected: 'a function' });
      validate.object('register options', registerOptions);
      if (entries.has(name)) {
        throw new TelltaleConfigError({ option: 'name', value: name, expected: 'a name not registered yet' });
      }
      const withDefaults = check as HealthCheck & HealthCheckDefaults;
      const [component = name, measurementFromName] = name.split(':');
      const measurement =
        measurementFromName ?? optionalString('measurement', registerOptions.measurement) ?? withDefaults.measurement;
      const interval =
        registerOptions.interval === undefined ? undefined : positiveDuration('interval', registerOptions.interval);
      const config: CheckConfig = {
        name,
        key: measurement === undefined ? component : `${component}:${measurement}`,
        component,
        componentType:
          optionalString('componentType', registerOptions.componentType) ?? withDefaults.componentType ?? 'component',
        componentId: optionalString('componentId', registerOptions.componentId),
        critical: booleanOption('critical', registerOptions.critical, true),
        tags: new Set(validateTags(registerOptions.tags)),
        timeout: positiveDuration('timeout', registerOptions.timeout, defaultTimeout),
        interval,
        cacheFor: validate.duration('cacheFor', registerOptions.cacheFor, defaultCacheFor),
        degradedAfter:
          registerOptions.degradedAfter === undefined
            ? undefined
            : validate.duration('degradedAfter', registerOptions.degradedAfter),
        check: withDefaults,
      };
      const entry = createCheckEntry(config, clock, onOutcome);
      entries.set(name, entry);
      return {
        dispose() {
          if (entries.get(name) !== entry) return;
          entries.delete(name);
          entry.close();
        },
      };
    },
    checks() {
      return [...entries.values()].map(({ config }) => ({
        name: config.name,
        key: config.key,
        component: config.component,
        tags: [...config.tags],
        critical: config.critical,
        interval: config.interval,
        timeout: config.timeout,
      }));
    },
    run,
    liveness: () => run({ tags: ['live'] }),
    readiness() {
      if (state !== 'running') {
        return Promise.resolve(buildDocument(identity, [], [], { status: 'fail', output: 'shutting down' }));
      }
      return run({ tags: ['ready'] });
    },
    startup: () => run({ tags: ['startup'] }),
    get state() {
      return state;
    },
    onStateChange: (listener) => stateChanges.on(listener),
    onShutdown(handler, handlerOptions = {}) {
      if (typeof handler !== 'function') {
        throw new TelltaleConfigError({ option: 'handler', value: handler, expected: 'a function' });
      }
      handlerCount++;
      return shutdown.addHandler({
        handler,
        name: optionalString('name', handlerOptions.name) ?? `handler ${handlerCount}`,
        timeout: positiveDuration('timeout', handlerOptions.timeout, handlerTimeout),
      });
    },
    manageServer: (server) => shutdown.manageServer(server),
    beginShutdown: () => shutdown.begin(),
    close() {
      closeChecks();
      telemetry.close();
      shutdown.close();
      return Promise.resolve();
    },
    [Symbol.asyncDispose]() {
      return registry.close();
    },
  };
  return registry;
}
