import type { HealthStatus } from './types.js';

/** A health document as read from the wire: `status` normalised, the rest as sent. */
export interface ReadHealthDocument {
  status: HealthStatus;
  output?: unknown;
  checks?: Record<string, unknown>;
  [field: string]: unknown;
}

// Older and non-standard producers answer "ok"/"up"/"down"; read them as the standard values.
// A Map: the status comes off the wire, and "constructor" must not read Object.prototype.
const ALIASES: ReadonlyMap<string, HealthStatus> = new Map([
  ['pass', 'pass'],
  ['ok', 'pass'],
  ['up', 'pass'],
  ['warn', 'warn'],
  ['fail', 'fail'],
  ['error', 'fail'],
  ['down', 'fail'],
]);

const SEVERITY: Readonly<Record<HealthStatus, number>> = { pass: 0, warn: 1, fail: 2 };

/**
 * Reads an `application/health+json` body (any producer): the document when
 * `text` is a JSON object with a known `status` (`ok`/`up`/`down`/`error` are
 * read as `pass`/`pass`/`fail`/`fail`), else `undefined`.
 *
 * @example
 * ```ts
 * import { parseHealthDocument } from '@telltale/health';
 *
 * const response = await fetch('http://127.0.0.1:3000/health');
 * const document = parseHealthDocument(await response.text());
 * console.log(document?.status ?? 'not a health document');
 * ```
 */
export function parseHealthDocument(text: string): ReadHealthDocument | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.status !== 'string') return undefined;
  const status = ALIASES.get(record.status.toLowerCase());
  return status ? { ...record, status } : undefined;
}

/**
 * The overall status of an answer: the worse of the HTTP status and the
 * document's status (a 503 carrying `"pass"` is a failure).
 *
 * @example
 * ```ts
 * import { healthAnswerStatus } from '@telltale/health';
 *
 * healthAnswerStatus(503, { status: 'pass' }); // 'fail'
 * healthAnswerStatus(200, { status: 'warn' }); // 'warn'
 * ```
 */
export function healthAnswerStatus(httpStatus: number, document: { status: HealthStatus } | undefined): HealthStatus {
  const fromHttp: HealthStatus = httpStatus >= 200 && httpStatus < 300 ? 'pass' : 'fail';
  return document && SEVERITY[document.status] >= SEVERITY[fromHttp] ? document.status : fromHttp;
}

/**
 * The human summary both health CLIs print: a status line, then one line per
 * check entry with its observed value and output.
 *
 * @example
 * ```ts
 * import { formatHealthReport, parseHealthDocument } from '@telltale/health';
 *
 * const document = parseHealthDocument('{"status":"warn","checks":{"db:responseTime":[{"status":"warn","observedValue":250,"observedUnit":"ms"}]}}');
 * console.log(formatHealthReport({ url: 'http://127.0.0.1:3000/health', httpStatus: 200, elapsedMs: 3, document }));
 * // WARN  http://127.0.0.1:3000/health  (HTTP 200 in 3 ms)
 * //   warn  db:responseTime                  250 ms
 * ```
 */
export function formatHealthReport(answer: {
  /** The URL to show (redact credentials first). */
  url: string;
  httpStatus: number;
  elapsedMs: number;
  document: ReadHealthDocument | undefined;
}): string {
  const { document } = answer;
  const status = healthAnswerStatus(answer.httpStatus, document);
  const lines = [
    `${status.toUpperCase().padEnd(5)} ${answer.url}  (HTTP ${answer.httpStatus} in ${answer.elapsedMs} ms)`,
  ];
  if (!document) lines.push('      not an application/health+json document');
  if (typeof document?.output === 'string' && document.output !== '') lines.push(`      ${document.output}`);
  for (const [key, entries] of Object.entries(document?.checks ?? {})) {
    for (const entry of Array.isArray(entries) ? (entries as Record<string, unknown>[]) : []) {
      const unit = typeof entry.observedUnit === 'string' && entry.observedUnit !== '' ? ` ${entry.observedUnit}` : '';
      const value = entry.observedValue === undefined ? '' : `${show(entry.observedValue)}${unit}`;
      const detail = typeof entry.output === 'string' && entry.output !== '' ? `  ${entry.output}` : '';
      lines.push(`  ${show(entry.status ?? '?').padEnd(4)}  ${key.padEnd(32)} ${value}${detail}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function show(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
