import { describeError } from '@telltale/core';
import { EXIT_CODES } from './exit-codes.js';
import { healthCommand, HEALTH_USAGE } from './commands/health.js';
import { reportCommand, REPORT_USAGE } from './commands/report.js';
import { rulesCommand, RULES_USAGE } from './commands/rules.js';
import { sttCommand, STT_USAGE } from './commands/stt.js';
import { processIo, type CliIo } from './io.js';
import { UsageError } from './usage-error.js';

export const USAGE = `Usage: telltale <command> [options]

Commands
  health <url>                   probe an application/health+json endpoint
  report <metrics-url>           per-route rate, p50/p95/p99 and error % from /metrics
  rules check|test|export <file> validate, unit-test or export alert rules
  stt compare <dir>              compare speech-to-text providers on a dataset

Every command accepts --json and --help.
Exit codes: 0 ok, 1 warnings or failures, 2 error or unreachable, 64 bad usage.
`;

interface Command {
  usage: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

const sleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

const COMMANDS: Readonly<Record<string, Command>> = {
  health: { usage: HEALTH_USAGE, run: healthCommand },
  report: { usage: REPORT_USAGE, run: (argv, io) => reportCommand(argv, io, sleep) },
  rules: { usage: RULES_USAGE, run: rulesCommand },
  stt: { usage: STT_USAGE, run: sttCommand },
};

const wantsHelp = (argv: readonly string[]) => argv.includes('--help') || argv.includes('-h');

/**
 * Runs the `telltale` command line with `argv` (without `node` and the
 * script) and resolves the exit code; it never calls `process.exit`.
 * Output goes to `io` (the process' streams by default).
 *
 * @example
 * ```ts
 * import { runCli } from '@telltale/cli';
 * let out = '';
 * const code = await runCli(['health', 'http://127.0.0.1:3000/health/ready', '--json'], {
 *   stdout: (text) => (out += text),
 *   stderr: (text) => process.stderr.write(text),
 * });
 * // code: 0 pass, 1 warn, 2 fail or unreachable, 64 bad usage
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(USAGE);
    return EXIT_CODES.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return EXIT_CODES.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`telltale: unknown command "${name}"\n\n${USAGE}`);
    return EXIT_CODES.usage;
  }
  if (wantsHelp(rest)) {
    io.stdout(command.usage);
    return EXIT_CODES.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (UsageError.is(error)) {
      io.stderr(`telltale ${name}: ${error.message}\n\n${command.usage}`);
      return EXIT_CODES.usage;
    }
    io.stderr(`telltale ${name}: ${describeError(error)}\n`);
    return EXIT_CODES.unreachable;
  }
}
