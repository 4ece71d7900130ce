// The frameworks and variants both HTTP metrics benchmarks compare, and the
// targets of issue 21 they are judged against.

export const FRAMEWORKS = ['express', 'fastify', 'node:http'] as const;
/**
 * 'empty middleware' is the floor any middleware pays (an Express layer, a
 * Fastify hook, a wrapping function); 'prom-client plugin' is
 * express-prom-bundle / fastify-metrics (none for node:http).
 */
export const VARIANTS = [
  'bare',
  'empty middleware',
  'telltale',
  'prom-client by hand',
  'prom-client plugin',
  'opentelemetry',
] as const;
export type Framework = (typeof FRAMEWORKS)[number];
export type Variant = (typeof VARIANTS)[number];

/** BENCH_FRAMEWORKS=express BENCH_VARIANTS=bare,telltale narrow a run. */
export function pick<T extends string>(all: readonly T[], list: string | undefined): readonly T[] {
  return list === undefined ? all : all.filter((entry) => list.split(',').includes(entry));
}

/** Whether a framework has that variant at all. */
export function hasVariant(framework: Framework, variant: Variant): boolean {
  return !(framework === 'node:http' && variant === 'prom-client plugin');
}

/** One framework's figures in one repetition, as the verdicts need them. */
export interface Figures {
  /** Median of per-round differences to bare, µs CPU per request. */
  added: Partial<Record<Variant, number>>;
  /** Median of per-round differences to the empty middleware, µs. */
  overFloor: Partial<Record<Variant, number>>;
  /** Median of per-round throughput ratios to bare. */
  throughput: Partial<Record<Variant, number>>;
}

export interface Verdict {
  target: string;
  value: number;
  met: boolean;
}

/** The targets: Express ≤ floor + 5 µs, ≤ 0.5× the plugin, ≥ 0.95× throughput; others ≤ 2 µs, ≥ 0.98×. */
export function verdicts(framework: Framework, figures: Figures): Verdict[] {
  const out: Verdict[] = [];
  const push = (target: string, value: number | undefined, met: (value: number) => boolean) => {
    if (value !== undefined && Number.isFinite(value)) out.push({ target, value, met: met(value) });
  };
  if (framework === 'express') {
    push('ours over the empty middleware ≤ 5 µs', figures.overFloor.telltale, (value) => value <= 5);
    const plugin = figures.added['prom-client plugin'];
    const ours = figures.added.telltale;
    push(
      'ours / express-prom-bundle added ≤ 0.5',
      ours === undefined || plugin === undefined ? undefined : ours / plugin,
      (value) => value <= 0.5,
    );
    push('our throughput ≥ 0.95× bare', figures.throughput.telltale, (value) => value >= 0.95);
  } else {
    push('ours added ≤ 2 µs', figures.added.telltale, (value) => value <= 2);
    push('our throughput ≥ 0.98× bare', figures.throughput.telltale, (value) => value >= 0.98);
  }
  return out;
}

/** Quartiles of a sample (for the spread of rounds). */
export function quartiles(values: readonly number[]): { p25: number; p50: number; p75: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const position = (sorted.length - 1) * q;
    const low = Math.floor(position);
    const high = Math.ceil(position);
    return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
  };
  return { p25: at(0.25), p50: at(0.5), p75: at(0.75) };
}
