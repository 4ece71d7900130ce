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

type Status = 'pass' | 'warn' | 'fail';

interface CheckEntry {
  status?: unknown;
  output?: unknown;
  observedValue?: unknown;
  observedUnit?: unknown;
}

interface HealthDocument {
  status: Status;
  output?: unknown;
  checks?: Record<string, CheckEntry[]>;
}

const SEVERITY: Readonly<Record<Status, number>> = { pass: 0, warn: 1, fail: 2 };
// Older and non-standard producers answer "ok"/"up"/"down"; read them as the standard values.
const ALIASES: Readonly<Record<string, Status>> = {
  pass: 'pass',
  ok: 'pass',
  up: 'pass',
  warn: 'warn',
  fail: 'fail',
  error: 'fail',
  down: 'fail',
};
const EXIT_FOR: Readonly<Record<Status, number>> = {
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
    if (!(error instanceof UnreachableError)) throw error;
    if (values.json) io.stdout(`${JSON.stringify({ url: shown, status: 'fail', output: error.message }, null, 2)}\n`);
    else io.stdout(`FAIL  ${shown}  unreachable: ${error.message}\n`);
    return EXIT_CODES.unreachable;
  }

  const document = parseHealthDocument(answer.text);
  const fromHttp: Status = answer.ok ? 'pass' : 'fail';
  // The worse of the HTTP status and the document's status wins (a 503 with "pass" is a failure).
  const status = document && SEVERITY[document.status] >= SEVERITY[fromHttp] ? document.status : fromHttp;
  const exit = !document && values.strict && fromHttp === 'pass' ? EXIT_CODES.failures : EXIT_FOR[status];

  if (values.json) {
    const result = { url: shown, httpStatus: answer.status, status, elapsedMs: answer.elapsedMilliseconds, document };
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return exit;
  }
  const lines = [
    `${status.toUpperCase().padEnd(5)} ${shown}  (HTTP ${answer.status} in ${answer.elapsedMilliseconds} ms)`,
  ];
  if (!document) lines.push('      not an application/health+json document');
  if (typeof document?.output === 'string' && document.output !== '') lines.push(`      ${document.output}`);
  for (const [key, entries] of Object.entries(document?.checks ?? {})) {
    for (const entry of Array.isArray(entries) ? entries : []) {
      const value =
        entry.observedValue === undefined
          ? ''
          : `${show(entry.observedValue)}${typeof entry.observedUnit === 'string' ? ` ${entry.observedUnit}` : ''}`;
      const detail = typeof entry.output === 'string' && entry.output !== '' ? `  ${entry.output}` : '';
      lines.push(`  ${show(entry.status ?? '?').padEnd(4)}  ${key.padEnd(32)} ${value}${detail}`);
    }
  }
  io.stdout(`${lines.join('\n')}\n`);
  return exit;
}

function show(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** The document when `text` is a JSON object with a known `status`, else `undefined`. */
export function parseHealthDocument(text: string): HealthDocument | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.status !== 'string') return undefined;
  const status = ALIASES[record.status.toLowerCase()];
  return status ? { ...record, status } : undefined;
}
