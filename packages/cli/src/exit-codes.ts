/**
 * The exit codes of every `telltale` command.
 *
 * @example
 * ```ts
 * import { EXIT_CODES, runCli } from '@telltale/cli';
 * const code = await runCli(['health', 'http://127.0.0.1:3000/health']);
 * if (code === EXIT_CODES.unreachable) console.error('service down');
 * ```
 */
export const EXIT_CODES = {
  /** Everything passed. */
  ok: 0,
  /** Ran, but found something: a `warn` health status, failing rule tests, invalid rule files. */
  failures: 1,
  /** Could not get an answer: unreachable, timed out, a `fail` health status, unreadable input. */
  unreachable: 2,
  /** Bad command line (the BSD `EX_USAGE`). */
  usage: 64,
} as const;

/**
 * One of {@link EXIT_CODES}' values.
 *
 * @example
 * ```ts
 * import type { ExitCode } from '@telltale/cli';
 * const code: ExitCode = 64;
 * ```
 */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
