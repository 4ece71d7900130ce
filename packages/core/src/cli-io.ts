/**
 * What a Telltale command line writes to and reads from: the one shape `@telltale/cli`'s,
 * `@telltale/health`'s and `@telltale/stt`'s `runCli` take, so a program or a test can run any of
 * them with the same object. Only `stdout` and `stderr` are required; `fetch` defaults to the
 * global `fetch` and `env` to `process.env` where a command needs them.
 *
 * @example
 * ```ts
 * import type { CliIo } from '@telltale/core';
 * import { runCli } from '@telltale/cli';
 *
 * let out = '';
 * const io: CliIo = {
 *   stdout: (text) => (out += text),
 *   stderr: (text) => process.stderr.write(text),
 *   env: { DEEPGRAM_API_KEY: 'test-key' },
 * };
 * const code = await runCli(['report', 'http://127.0.0.1:3000/metrics', '--json'], io);
 * ```
 */
export interface CliIo {
  /** Receives the command's output. */
  stdout: (text: string) => void;
  /** Receives diagnostics and usage text. */
  stderr: (text: string) => void;
  /** Used for every HTTP request a command makes; defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Where commands read provider keys and base URLs (`stt compare`); defaults to `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * The {@link CliIo} of a command run as a process: its stdout and stderr, the global `fetch`
 * and `process.env` (both by leaving them out).
 *
 * @example
 * ```ts
 * import { processIo } from '@telltale/core';
 * import { runCli } from '@telltale/stt';
 * process.exitCode = await runCli(process.argv.slice(2), processIo);
 * ```
 */
export const processIo: CliIo = Object.freeze({
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
});
