/**
 * Where the CLI writes, and what it reads from its environment. Everything
 * is injectable so `runCli` can run inside tests or another program.
 *
 * @example
 * ```ts
 * import { runCli, type CliIo } from '@telltale/cli';
 * let out = '';
 * const io: CliIo = { stdout: (text) => (out += text), stderr: (text) => process.stderr.write(text) };
 * await runCli(['report', 'http://127.0.0.1:3000/metrics', '--json'], io);
 * ```
 */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Environment for provider keys (`stt compare`); defaults to `process.env`. */
  env?: Record<string, string | undefined>;
}

/** The default I/O: the process' stdout and stderr. */
export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};
