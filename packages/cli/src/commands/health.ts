import { formatHealthReport, healthAnswerStatus, parseHealthDocument, type HealthStatus } from '@telltale/health';
import { EXIT_CODES } from '../exit-codes.js';
import { displayUrl, httpGet, UnreachableError } from '../http-get.js';
import type { CliIo } from '../io.js';
import { durationFlag, parseCommandLine, urlArgument } from '../usage-error.js';

export const HEALTH_USAGE = `Usage: telltale health <url> [--timeout 2s] [--strict] [--json]

Fetches an application/health+json endpoint (RFC draft "Health Check Response Format").
Exit codes: 0 pass, 1 warn (or, with --strict, a 2xx answer that is not a health
document), 2 fail, unreachable or timed out, 64 bad usage.

Options
  --timeout <duration>  give up after this long (default 2s)
  --strict              require an application/health+json document
  --json                print {url, httpStatus, status, elapsedMs, document} as JSON
  --help                show this help
`;

const EXIT_FOR: Readonly<Record<HealthStatus, number>> = {
  pass: EXIT_CODES.ok,
  warn: EXIT_CODES.failures,
  fail: EXIT_CODES.unreachable,
};

/** `telltale health <url>`. */
export async function healthCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    timeout: { type: 'string', default: '2s' },
    strict: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  const url = urlArgument(positionals, 'health URL');
  const timeout = durationFlag('timeout', values.timeout);
  const shown = displayUrl(url);

  let answer;
  try {
    answer = await httpGet(url, { timeout, accept: 'application/health+json, application/json;q=0.9, */*;q=0.1', io });
  } catch (error) {
    if (!UnreachableError.is(error)) throw error;
    if (values.json) io.stdout(`${JSON.stringify({ url: shown, status: 'fail', output: error.message }, null, 2)}\n`);
    else io.stdout(`FAIL  ${shown}  unreachable: ${error.message}\n`);
    return EXIT_CODES.unreachable;
  }

  const document = parseHealthDocument(answer.text);
  const status = healthAnswerStatus(answer.status, document);
  const exit = !document && values.strict && status === 'pass' ? EXIT_CODES.failures : EXIT_FOR[status];

  if (values.json) {
    const result = { url: shown, httpStatus: answer.status, status, elapsedMs: answer.elapsedMilliseconds, document };
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return exit;
  }
  io.stdout(
    formatHealthReport({ url: shown, httpStatus: answer.status, elapsedMs: answer.elapsedMilliseconds, document }),
  );
  return exit;
}
