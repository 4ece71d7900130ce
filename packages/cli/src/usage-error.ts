import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError, parseDuration, TelltaleError } from '@telltale/core';

/**
 * A bad command line (`TELLTALE_CLI_USAGE`): the CLI prints the message and the command's
 * usage, exits 64.
 *
 * @example
 * ```ts
 * if (UsageError.is(error)) io.stderr(`${error.message}\n\n${usage}`);
 * ```
 */
export class UsageError extends TelltaleError {
  constructor(message: string) {
    super('TELLTALE_CLI_USAGE', message);
    this.name = 'UsageError';
  }

  /**
   * True when `error` is a usage error from any copy of `@telltale/cli` (core's brand, not the prototype).
   *
   * @example
   * ```ts
   * UsageError.is(new UsageError('unknown flag --x')); // true
   * ```
   */
  static override is(error: unknown): error is UsageError {
    return TelltaleError.is(error, 'TELLTALE_CLI_USAGE');
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The parsed flags: booleans, strings with a default, or optional strings. */
export type FlagValues<T extends Options> = {
  [K in keyof T]: T[K] extends { type: 'boolean' }
    ? boolean
    : T[K] extends { default: string }
      ? string
      : string | undefined;
};

/** `util.parseArgs` in strict mode, turning its errors into {@link UsageError}. */
export function parseCommandLine<T extends Options>(
  argv: readonly string[],
  options: T,
): { values: FlagValues<T>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values: values as unknown as FlagValues<T>, positionals };
  } catch (error) {
    throw new UsageError(describeError(error));
  }
}

/** Parses a duration flag (`500ms`, `2s`) into milliseconds, as a usage error when invalid. */
export function durationFlag(name: string, value: string): number {
  let milliseconds: number;
  try {
    milliseconds = parseDuration(value, `--${name}`);
  } catch (error) {
    throw new UsageError(describeError(error));
  }
  if (milliseconds <= 0) throw new UsageError(`--${name} must be longer than 0, got "${value}"`);
  return milliseconds;
}

/** Parses the one URL argument of a command, as a usage error when missing or invalid. */
export function urlArgument(positionals: readonly string[], what: string): URL {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length}`);
  try {
    const url = new URL(positionals[0]!);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url;
  } catch {
    throw new UsageError(`${what} must be an http(s) URL, got "${positionals[0]!}"`);
  }
}
