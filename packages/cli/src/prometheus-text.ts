/**
 * One sample of a Prometheus text exposition.
 *
 * @example
 * ```ts
 * import type { ExpositionSample } from '@telltale/cli';
 * const sample: ExpositionSample = { name: 'up', labels: { job: 'api' }, value: 1 };
 * ```
 */
export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/**
 * Parses the Prometheus text exposition format (version 0.0.4, and the
 * sample lines of OpenMetrics): comments and blank lines are skipped, label
 * values are unescaped, timestamps are ignored. Malformed lines are skipped
 * rather than failing the whole scrape.
 *
 * @example
 * ```ts
 * import { parseExposition } from '@telltale/cli';
 * parseExposition('# TYPE up gauge\nup{job="api"} 1\n');
 * // [{ name: 'up', labels: { job: 'api' }, value: 1 }]
 * ```
 */
export function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseSampleLine(line: string): ExpositionSample | undefined {
  const name = SAMPLE_NAME.exec(line)?.[0];
  if (!name) return undefined;
  let position = name.length;
  const labels: Record<string, string> = {};
  if (line[position] === '{') {
    const parsed = parseLabels(line, position + 1, labels);
    if (parsed === undefined) return undefined;
    position = parsed;
  }
  const [valueText] = line.slice(position).trim().split(/\s+/);
  const value = parseValue(valueText ?? '');
  return value === undefined ? undefined : { name, labels, value };
}

/** Reads `a="x",b="y"}` from `start`; returns the index after `}`. */
function parseLabels(line: string, start: number, into: Record<string, string>): number | undefined {
  let position = start;
  for (;;) {
    while (line[position] === ' ' || line[position] === ',') position++;
    if (line[position] === '}') return position + 1;
    const equals = line.indexOf('=', position);
    if (equals === -1 || line[equals + 1] !== '"') return undefined;
    const labelName = line.slice(position, equals).trim();
    let value = '';
    position = equals + 2;
    while (position < line.length && line[position] !== '"') {
      const char = line[position]!;
      if (char === '\\') {
        const next = line[position + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        position += 2;
      } else {
        value += char;
        position++;
      }
    }
    if (position >= line.length) return undefined;
    into[labelName] = value;
    position++;
  }
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (text === '') return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}
