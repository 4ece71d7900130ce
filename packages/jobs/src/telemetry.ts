import { createRequire } from 'node:module';
import {
  counter,
  gauge,
  histogram,
  telemetrySource,
  type MeterProviderLike,
  type MetricAttributes,
} from '@telltale/core';
import type { JobCounts, JobStatus } from './types.js';

/** Outcomes recorded on `telltale.jobs.duration` (one per attempt). */
export type AttemptOutcomeName = 'completed' | 'retried' | 'dead_lettered' | 'cancelled' | 'postponed';

/** Instruments of one job runner. */
export interface JobsTelemetry {
  attempt(type: string, outcome: AttemptOutcomeName, seconds: number): void;
  waited(type: string, seconds: number): void;
  redriven(type: string, count: number): void;
  close(): void;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const STATES: readonly JobStatus[] = ['waiting', 'delayed', 'active', 'completed', 'failed', 'dead', 'cancelled'];
const source = telemetrySource({ scope: '@telltale/jobs', require: createRequire(import.meta.url) });
// prettier-ignore
const INSTRUMENTS = {
  duration: histogram('telltale.jobs.duration', { unit: 's', description: 'Duration of job attempts by outcome', buckets: DURATION_BUCKETS }),
  wait: histogram('telltale.jobs.wait.duration', { unit: 's', description: 'Time from a job being due to its first attempt starting', buckets: DURATION_BUCKETS }),
  redrives: counter('telltale.jobs.redrives', { unit: '{job}', description: 'Dead-lettered jobs moved back to the queue' }),
  depth: gauge('telltale.jobs.queue.depth', { unit: '{job}', description: 'Jobs by type and state, as the backend holds them' }),
  dead: gauge('telltale.jobs.dead_letters', { unit: '{job}', description: 'Dead-lettered jobs awaiting inspection or redrive' }),
};

/** Creates the runner's instruments on `meterProvider` (default: the global one; `false` for none); gauges read `counts` at collection. */
export function createTelemetry(
  meterProvider: MeterProviderLike | false | undefined,
  counts: () => Promise<Record<string, JobCounts>>,
): JobsTelemetry {
  const telemetry = source.open(meterProvider, INSTRUMENTS);
  const { duration, wait, redrives, depth, dead } = telemetry.instruments;
  const cache = new Map<string, MetricAttributes>();
  const attributes = (type: string, state?: string): MetricAttributes => {
    const key = state === undefined ? type : `${type}\u0000${state}`;
    let found = cache.get(key);
    if (!found)
      cache.set(key, (found = state === undefined ? { 'job.type': type } : { 'job.type': type, 'job.state': state }));
    return found;
  };
  telemetry.observeBatch([depth, dead], async (result) => {
    const byType = await counts().catch(() => undefined);
    if (!byType) return;
    for (const [type, perState] of Object.entries(byType)) {
      for (const state of STATES) result.observe(depth, perState[state], attributes(type, state));
      result.observe(dead, perState.dead, attributes(type));
    }
  });
  return {
    attempt(type, outcome, seconds) {
      duration.record(seconds, { 'job.type': type, outcome });
    },
    waited(type, seconds) {
      wait.record(seconds, attributes(type));
    },
    redriven(type, count) {
      redrives.add(count, attributes(type));
    },
    close: () => telemetry.close(),
  };
}
