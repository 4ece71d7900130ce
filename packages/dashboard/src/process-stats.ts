import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * Event-loop delay and memory of this process, measured by the dashboard itself.
 *
 * @example
 * ```ts
 * import type { ProcessStats } from '@telltale/dashboard';
 * const { eventLoopDelay, memory }: ProcessStats = (await dashboard.snapshot()).process;
 * ```
 */
export interface ProcessStats {
  /** Event-loop delay since the previous reading, in milliseconds. */
  readonly eventLoopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
  /** `process.memoryUsage()` in bytes. */
  readonly memory: {
    readonly rss: number;
    readonly heapUsed: number;
    readonly heapTotal: number;
    readonly external: number;
  };
  /** CPU used by the process since the previous reading, as a share of one core (0..n). */
  readonly cpu: number;
}

const NANOSECONDS_PER_MILLISECOND = 1e6;

const milliseconds = (nanoseconds: number): number =>
  Number.isFinite(nanoseconds) ? Math.round((nanoseconds / NANOSECONDS_PER_MILLISECOND) * 100) / 100 : 0;

/**
 * Reads process statistics; each `read()` covers the time since the last
 * one. The event-loop monitor runs only between `start()` and `stop()`.
 */
export function createProcessStatsReader(now: () => number) {
  let histogram: IntervalHistogram | undefined;
  let lastCpu = process.cpuUsage();
  let lastAt = now();

  return {
    start(): void {
      if (histogram !== undefined) return;
      histogram = monitorEventLoopDelay({ resolution: 20 });
      histogram.enable();
    },
    stop(): void {
      histogram?.disable();
      histogram = undefined;
    },
    read(): ProcessStats {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage(lastCpu);
      const at = now();
      const elapsedMicros = Math.max(1, (at - lastAt) * 1000);
      lastCpu = process.cpuUsage();
      lastAt = at;
      const delay =
        histogram !== undefined && histogram.count > 0
          ? {
              p50: milliseconds(histogram.percentile(50)),
              p99: milliseconds(histogram.percentile(99)),
              max: milliseconds(histogram.max),
            }
          : { p50: 0, p99: 0, max: 0 };
      histogram?.reset();
      return {
        eventLoopDelay: delay,
        memory: {
          rss: memory.rss,
          heapUsed: memory.heapUsed,
          heapTotal: memory.heapTotal,
          external: memory.external,
        },
        cpu: Math.round(((cpu.user + cpu.system) / elapsedMicros) * 1000) / 1000,
      };
    },
  };
}
