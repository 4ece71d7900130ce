import { parseArgs } from 'node:util';
import { describeError, formatDuration, parseDuration, redactSecrets, type CliIo } from '@telltale/core';
import type { HealthStatus } from '../types.js';
import { formatHealthReport, healthAnswerStatus, parseHealthDocument } from '../health-report.js';

/** Where the CLI writes, and how it fetches (`fetch`, injectable for tests): core's one `CliIo`. */
export type { CliIo } from '@telltale/core';

const USAGE = `Usage: telltale-health <url> [--timeout 2s] [--strict] [--json]

Fetches an application/health+json endpoint and exits
  0  pass
  1  warn, or (with --strict) a 2xx answer that is not a health document
  2  fail, unreachable, timed out, or bad usage

Options
  --timeout <duration>  give up after this long (default 2s)
  --strict              require an application/health+json document
  --json                print the document as JSON instead of a summary
  --help                show this help
`;

const EXIT: Readonly<Record<HealthStatus, number>> = { pass: 0, warn: 1, fail: 2 };

/** Runs `telltale-health` with the given arguments; resolves the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        timeout: { type: 'string', default: '2s' },
        strict: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.stderr(`${describeError(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.stderr(USAGE);
    return 2;
  }
  let url: URL;
  let timeout: number;
  try {
    url = new URL(positionals[0]!);
    timeout = parseDuration(values.timeout, '--timeout');
  } catch (error) {
    io.stderr(`${describeError(error)}\n`);
    return 2;
  }
  const shown = redactSecrets(url.href);
  const headers = new Headers({ accept: 'application/health+json, application/json;q=0.9, */*;q=0.1' });
  if (url.username !== '' || url.password !== '') {
    // fetch refuses URLs with credentials: send them as Basic auth instead.
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
    url.username = '';
    url.password = '';
  }
  const started = performance.now();
  let response: Response;
  let text: string;
  try {
    response = await (io.fetch ?? fetch)(url, {
      headers,
      signal: AbortSignal.timeout(timeout),
    });
    text = await response.text();
  } catch (error) {
    const reason =
      error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
        ? `no answer within ${formatDuration(timeout)}`
        : describeNetworkError(error);
    if (values.json) io.stdout(`${JSON.stringify({ status: 'fail', output: reason }, null, 2)}\n`);
    else io.stdout(`FAIL  ${shown}  unreachable: ${reason}\n`);
    return 2;
  }
  const elapsed = Math.round(performance.now() - started);
  const document = parseHealthDocument(text);
  const status = healthAnswerStatus(response.status, document);
  const exit = !document && status === 'pass' && values.strict ? 1 : EXIT[status];
  if (values.json) {
    io.stdout(`${JSON.stringify(document ?? { status, output: `HTTP ${response.status}` }, null, 2)}\n`);
    return exit;
  }
  io.stdout(formatHealthReport({ url: shown, httpStatus: response.status, elapsedMs: elapsed, document }));
  return exit;
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const message = cause?.code ?? cause?.message ?? describeError(error);
  return redactSecrets(message);
}
