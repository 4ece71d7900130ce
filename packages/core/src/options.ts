import { parseDuration, type DurationInput } from './duration.js';
import { TelltaleConfigError } from './errors.js';

/**
 * Validation helpers for options objects. Each returns the value (or the
 * default when `undefined`) or throws a {@link TelltaleConfigError} naming
 * the option.
 *
 * @example
 * ```ts
 * import { options } from '@telltale/core';
 * const concurrency = options.positiveInteger('bulkhead.concurrency', input.concurrency, 10);
 * const window = options.duration('breaker.window', input.window, '10s');
 * ```
 */
export const options = {
  /** An integer >= 1. */
  positiveInteger(option: string, value: unknown, fallback?: number): number {
    const resolved = value === undefined ? fallback : value;
    if (typeof resolved !== 'number' || !Number.isInteger(resolved) || resolved < 1) {
      throw new TelltaleConfigError({ option, value, expected: 'an integer >= 1' });
    }
    return resolved;
  },
  /** An integer >= 0. */
  nonNegativeInteger(option: string, value: unknown, fallback?: number): number {
    const resolved = value === undefined ? fallback : value;
    if (typeof resolved !== 'number' || !Number.isInteger(resolved) || resolved < 0) {
      throw new TelltaleConfigError({ option, value, expected: 'an integer >= 0' });
    }
    return resolved;
  },
  /** A finite number within `[min, max]`. */
  numberInRange(option: string, value: unknown, min: number, max: number, fallback?: number): number {
    const resolved = value === undefined ? fallback : value;
    if (typeof resolved !== 'number' || !Number.isFinite(resolved) || resolved < min || resolved > max) {
      throw new TelltaleConfigError({ option, value, expected: `a number from ${min} to ${max}` });
    }
    return resolved;
  },
  /** A duration (see `parseDuration`), returned in milliseconds. */
  duration(option: string, value: unknown, fallback?: DurationInput): number {
    const resolved = value === undefined ? fallback : value;
    return parseDuration(resolved as DurationInput, option);
  },
  /** A non-empty string (after trimming). */
  nonEmptyString(option: string, value: unknown, fallback?: string): string {
    const resolved = value === undefined ? fallback : value;
    if (typeof resolved !== 'string' || resolved.trim() === '') {
      throw new TelltaleConfigError({ option, value, expected: 'a non-empty string' });
    }
    return resolved;
  },
  /** One of the listed string values. */
  oneOf<const T extends string>(option: string, value: unknown, allowed: readonly T[], fallback?: T): T {
    const resolved = value === undefined ? fallback : value;
    if (typeof resolved !== 'string' || !(allowed as readonly string[]).includes(resolved)) {
      throw new TelltaleConfigError({ option, value, expected: `one of ${allowed.map((v) => `"${v}"`).join(', ')}` });
    }
    return resolved as T;
  },
  /** A function, or `undefined` when optional and absent. */
  optionalFunction<T extends (...args: never[]) => unknown>(option: string, value: unknown): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'function') throw new TelltaleConfigError({ option, value, expected: 'a function' });
    return value as T;
  },
  /** Throws unless `value` is a plain object (or undefined, returning `{}`). */
  object<T extends object>(option: string, value: T | undefined): T {
    if (value === undefined) return {} as T;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TelltaleConfigError({ option, value, expected: 'an options object' });
    }
    return value;
  },
} as const;
