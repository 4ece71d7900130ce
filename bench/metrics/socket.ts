// One repetition of the socket benchmark for one framework: fresh server
// children per variant, many short rounds whose variant order rotates every
// round, CPU per request from the server's own cpuUsage().
import { median } from '../harness.js';
import { childCpu, load, startChild, type Child, type LoadResult } from './load.js';
import { hasVariant, quartiles, type Figures, type Framework, type Variant } from './variants.js';

const GC_BEFORE_ROUND = process.env.BENCH_GC === '1';

export interface SocketOptions {
  variants: readonly Variant[];
  rounds: number;
  seconds: number;
  pipelining: number;
  /**
   * 'concurrent': every variant's server is loaded at the same time, sharing
   * CPU 1, so outside load on the VM hits all of them alike within each
   * round; 'sequential': one server at a time, the order rotating.
   */
  mode: 'concurrent' | 'sequential';
}

export interface VariantRow {
  /** Median CPU µs per request, and the quartiles of the rounds. */
  cpu: { p25: number; p50: number; p75: number };
  requestsPerSecond: number;
  /** Server CPU time / wall time during the load: ≈ 1 when the server is the bottleneck. */
  utilisation: number;
}

export interface SocketResult extends Figures {
  rows: Partial<Record<Variant, VariantRow>>;
}

export async function socketRepetition(framework: Framework, options: SocketOptions): Promise<SocketResult> {
  const variants = options.variants.filter((variant) => hasVariant(framework, variant));
  const children = new Map<Variant, Child>();
  for (const variant of variants) children.set(variant, await startChild(framework, variant));
  try {
    for (const child of children.values()) await load(child.port, 1, options.pipelining); // warm up the JIT
    const cpu = new Map<Variant, number[]>(variants.map((variant) => [variant, []]));
    const rate = new Map<Variant, number[]>(variants.map((variant) => [variant, []]));
    const busy = new Map<Variant, number[]>(variants.map((variant) => [variant, []]));
    const measure = async (variant: Variant, loaded: Promise<LoadResult>, before: number) => {
      const { requests, seconds, errors } = await loaded;
      const used = (await childCpu(children.get(variant)!)) - before;
      if (errors > 0) throw new Error(`${framework}/${variant}: ${errors} failed requests`);
      cpu.get(variant)!.push(used / requests);
      rate.get(variant)!.push(requests / seconds);
      busy.get(variant)!.push(used / 1e6 / seconds);
    };
    for (let round = 0; round < options.rounds; round++) {
      // Rotating the order: whatever the previous variant left running (and, when
      // sequential, drift on a shared machine) hits every variant alike over the rounds.
      const order = variants.map((_, slot) => variants[(round + slot) % variants.length]!);
      if (options.mode === 'concurrent') {
        const before = await Promise.all(order.map((variant) => childCpu(children.get(variant)!, GC_BEFORE_ROUND)));
        const loads = order.map((variant) => load(children.get(variant)!.port, options.seconds, options.pipelining));
        await Promise.all(loads);
        for (const [slot, variant] of order.entries()) await measure(variant, loads[slot]!, before[slot]!);
        continue;
      }
      for (const variant of order) {
        const before = await childCpu(children.get(variant)!, GC_BEFORE_ROUND);
        await measure(variant, load(children.get(variant)!.port, options.seconds, options.pipelining), before);
      }
    }
    // Paired per-round comparisons (the same round's anchor), then the median.
    const paired = (variant: Variant, anchor: Variant, compare: (own: number, base: number) => number, from = cpu) => {
      const own = from.get(variant);
      const base = from.get(anchor);
      return own === undefined || base === undefined
        ? undefined
        : median(own.map((value, round) => compare(value, base[round]!)));
    };
    const result: SocketResult = { rows: {}, added: {}, overFloor: {}, throughput: {} };
    for (const variant of variants) {
      result.rows[variant] = {
        cpu: quartiles(cpu.get(variant)!),
        requestsPerSecond: median(rate.get(variant)!),
        utilisation: median(busy.get(variant)!),
      };
      result.added[variant] = paired(variant, 'bare', (own, base) => own - base);
      result.overFloor[variant] = paired(variant, 'empty middleware', (own, base) => own - base);
      result.throughput[variant] = paired(variant, 'bare', (own, base) => own / base, rate);
    }
    return result;
  } finally {
    for (const child of children.values()) child.process.send('exit');
  }
}
