import {
  abortError,
  createEmitter,
  options as validate,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
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
} from './registry-options.js';
import type { CheckOutcome } from './run-check.js';
import type { HealthRegistry, HealthRegistryState, RunOptions } from './registry-types.js';
import { createShutdownSequence } from './shutdown.js';
import { createHealthTelemetry } from './telemetry.js';
import type { HealthCheck, HealthCheckDefaults, HealthDocument, HealthStatus } from './types.js';

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

/** `promise`, or a `TELLTALE_ABORTED` rejection as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const isPending = (value: CheckOutcome | Promise<CheckOutcome>): boolean => value instanceof Promise;

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

  // Log transitions only: a check failing every interval must not flood the logs.
  const lastStatus = new Map<string, HealthStatus>();
  const onOutcome = (config: CheckConfig, outcome: CheckOutcome): void => {
    telemetry.record(config, outcome);
    const previous = lastStatus.get(config.name) ?? 'pass';
    lastStatus.set(config.name, outcome.status);
    if (previous === outcome.status) return;
    const fields = { check: config.key, status: outcome.status, previous, output: outcome.output };
    if (outcome.status === 'pass') logger.info(fields, 'health check passing again');
    else logger.warn(fields, 'health check not passing');
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
    const document = Promise.all(current.map((value) => Promise.resolve(value))).then((outcomes) =>
      documentFor(key, selected, outcomes),
    );
    return selection.signal === undefined ? document : abortable(document, selection.signal);
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
