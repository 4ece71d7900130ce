import { options as validate, TelltaleConfigError, type Clock, type DurationInput, type Logger } from '@telltale/core';
import type { MeterProviderLike } from './telemetry.js';

/**
 * Options of {@link createHealthRegistry}. Durations are milliseconds or
 * strings such as `'500ms'`, `'5s'`.
 *
 * @example
 * ```ts
 * import { createHealthRegistry, type HealthRegistryOptions } from '@telltale/health';
 * const options: HealthRegistryOptions = { defaultTimeout: '1s', shutdownDelay: '10s', handleSignals: true };
 * const registry = createHealthRegistry(options);
 * ```
 */
export interface HealthRegistryOptions {
  /** Timeout of checks registered without one. Default `'2s'`. */
  defaultTimeout?: DurationInput;
  /** How long an on-demand check's result is reused. Default `'1s'`. */
  cacheFor?: DurationInput;
  /** How long readiness fails before servers close, so load balancers stop routing. Default `'5s'`. */
  shutdownDelay?: DurationInput;
  /** Longest wait for in-flight requests before connections are cut. Default `'10s'`. */
  drainTimeout?: DurationInput;
  /** Default timeout of each shutdown handler. Default `'5s'`. */
  shutdownHandlerTimeout?: DurationInput;
  /** Begin shutdown on `signals`, then re-raise the signal once done. Default `false`. */
  handleSignals?: boolean;
  /** Signals handled when `handleSignals` is true. Default `['SIGTERM', 'SIGINT']`. */
  signals?: readonly NodeJS.Signals[];
  /** Document `version` (the public API version). */
  version?: string;
  /** Document `releaseId` (the deployed build). */
  releaseId?: string;
  /** Document `serviceId`. */
  serviceId?: string;
  /** Document `description`. */
  description?: string;
  /** Clock for timers and result times. Default: the system clock. */
  clock?: Clock;
  /** pino-compatible logger. Default: silent. */
  logger?: Partial<Logger>;
  /** Where to record telemetry; default the global `@opentelemetry/api` provider if installed; `false` for none. */
  meterProvider?: MeterProviderLike | false;
}

/**
 * Options of {@link HealthRegistry.register}.
 *
 * @example
 * ```ts
 * registry.register('postgres', pingCheck(() => pool.query('select 1')), {
 *   tags: ['ready'],
 *   interval: '5s',
 *   timeout: '1s',
 *   degradedAfter: '500ms',
 * });
 * ```
 */
export interface RegisterOptions {
  /** A failing critical check fails the document; a non-critical one only makes it `warn`. Default `true`. */
  critical?: boolean;
  /** Groups: `live`, `ready`, `startup` or any custom tag. Default `['ready']`. */
  tags?: readonly string[];
  /** Longest run before the check counts as `fail` (`TELLTALE_TIMEOUT`). Default: the registry's `defaultTimeout`. */
  timeout?: DurationInput;
  /** Run in the background every `interval` (after the previous run ends); probes read the cached result. */
  interval?: DurationInput;
  /** A passing run slower than this reports `warn`. */
  degradedAfter?: DurationInput;
  /** On-demand checks: reuse a result this long. Default: the registry's `cacheFor`. */
  cacheFor?: DurationInput;
  /** Measurement half of the `component:measurement` key. Default: the check's own, else none. */
  measurement?: string;
  /** `componentType` in the document. Default: the check's own, else `component`. */
  componentType?: string;
  /** `componentId` in the document (e.g. a database host id). */
  componentId?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(:[A-Za-z0-9._-]+)?$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Validates a check name: a component, optionally `component:measurement`. */
export function validateName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TelltaleConfigError({
      option: 'name',
      value: name,
      expected: 'a component name of letters, digits, ".", "_" or "-", optionally followed by ":measurement"',
    });
  }
  return name;
}

/** Validates a tag list. */
export function validateTags(tags: unknown): readonly string[] {
  if (tags === undefined) return ['ready'];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string' || !TAG.test(tag))) {
    throw new TelltaleConfigError({
      option: 'tags',
      value: tags,
      expected: 'an array of tags made of letters, digits, ".", "_" or "-" (e.g. ["live"], ["ready", "db"])',
    });
  }
  return tags as string[];
}

/** Validates an optional non-empty string option. */
export function optionalString(option: string, value: unknown): string | undefined {
  return value === undefined ? undefined : validate.nonEmptyString(option, value);
}

/** Validates an optional boolean option. */
export function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TelltaleConfigError({ option, value, expected: 'true or false' });
  return value;
}

/** Validates a duration that must be > 0. */
export function positiveDuration(option: string, value: unknown, fallback?: DurationInput): number {
  const milliseconds = validate.duration(option, value, fallback);
  if (milliseconds <= 0) throw new TelltaleConfigError({ option, value, expected: 'a duration > 0' });
  return milliseconds;
}
