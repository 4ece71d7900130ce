/** Brand shared by every copy of the package, so `is()` works across duplicated installs. */
const BRAND = Symbol.for('telltale.error');

/**
 * Stable error codes. Every code is documented in `docs/errors.md`.
 * Packages may add their own `TELLTALE_*` codes; these are the shared ones.
 */
export type TelltaleErrorCode =
  'TELLTALE_CONFIG' | 'TELLTALE_TIMEOUT' | 'TELLTALE_ABORTED' | 'TELLTALE_INVALID_INPUT' | (string & {});

/** Options accepted by {@link TelltaleError}. */
export interface TelltaleErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Structured, non-secret context for logs and programmatic handling. */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * Base class of every error Telltale throws. Carries a stable `code`.
 *
 * @example
 * ```ts
 * import { TelltaleError } from '@telltale/core';
 * try {
 *   await doWork();
 * } catch (error) {
 *   if (TelltaleError.is(error, 'TELLTALE_TIMEOUT')) console.warn('timed out');
 * }
 * ```
 */
export class TelltaleError extends Error {
  /** Stable, documented code such as `TELLTALE_TIMEOUT`. */
  readonly code: TelltaleErrorCode;
  /** Structured context; never contains secrets. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: TelltaleErrorCode, message: string, options: TelltaleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TelltaleError';
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * True when `error` is a Telltale error (from any copy of the package),
   * optionally with the given code.
   *
   * @example
   * ```ts
   * if (TelltaleError.is(error, 'TELLTALE_CIRCUIT_OPEN')) return cached();
   * ```
   */
  static is(error: unknown, code?: TelltaleErrorCode): error is TelltaleError {
    if (typeof error !== 'object' || error === null) return false;
    if ((error as Record<symbol, unknown>)[BRAND] !== true) return false;
    return code === undefined || (error as TelltaleError).code === code;
  }
}

/** What {@link TelltaleConfigError} reports about the offending option. */
export interface ConfigErrorDetails {
  /** Option path, e.g. `retry.maxAttempts`. */
  option: string;
  /** The value received (stringified safely in the message). */
  value: unknown;
  /** What was expected, e.g. `a positive integer`. */
  expected: string;
}

/**
 * Thrown at construction when an option is invalid. The message names the
 * option, the value received and what was expected.
 *
 * @example
 * ```ts
 * import { TelltaleConfigError } from '@telltale/core';
 * throw new TelltaleConfigError({ option: 'timeout', value: -1, expected: 'a duration >= 0' });
 * // TelltaleConfigError: Invalid option "timeout": expected a duration >= 0, received -1
 * ```
 */
export class TelltaleConfigError extends TelltaleError {
  /** Option path that was invalid. */
  readonly option: string;
  /** Value that was received. */
  readonly value: unknown;
  /** Description of what was expected. */
  readonly expected: string;

  constructor(details: ConfigErrorDetails, options: { cause?: unknown } = {}) {
    super(
      'TELLTALE_CONFIG',
      `Invalid option "${details.option}": expected ${details.expected}, received ${describeValue(details.value)}`,
      { ...options, details: { option: details.option, expected: details.expected } },
    );
    this.name = 'TelltaleConfigError';
    this.option = details.option;
    this.value = details.value;
    this.expected = details.expected;
  }

  /**
   * True when `error` is a configuration error from any copy of the package.
   *
   * @example
   * ```ts
   * if (TelltaleConfigError.isConfigError(error)) console.error(error.option);
   * ```
   */
  static isConfigError(error: unknown): error is TelltaleConfigError {
    return TelltaleConfigError.is(error);
  }

  /**
   * True when `error` is a configuration error from any copy of the package
   * (the brand and the code, never the prototype).
   *
   * @example
   * ```ts
   * if (TelltaleConfigError.is(error)) console.error(error.option, error.expected);
   * ```
   */
  static override is(error: unknown): error is TelltaleConfigError {
    return TelltaleError.is(error, 'TELLTALE_CONFIG') && 'option' in error;
  }
}

/**
 * Short, safe rendering of a value for error messages (bounded length, no
 * object dumps).
 *
 * @example
 * ```ts
 * describeValue('5 minutes'); // '"5 minutes"'
 * describeValue(NaN); // 'NaN'
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `an object`;
}
