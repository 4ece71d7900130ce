import { metrics, type Attributes, type BatchObservableCallback, type MeterProvider } from '@opentelemetry/api';
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

/** Creates the runner's instruments on `meterProvider` (default: the global one); gauges read `counts` at collection. */
export function createTelemetry(
  meterProvider: MeterProvider | undefined,
  counts: () => Promise<Record<string, JobCounts>>,
): JobsTelemetry {
  const meter = (meterProvider ?? metrics.getMeterProvider()).getMeter('@telltale/jobs');
  const duration = meter.createHistogram('telltale.jobs.duration', {
    description: 'Duration of job attempts by outcome',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const wait = meter.createHistogram('telltale.jobs.wait.duration', {
    description: 'Time from a job being due to its first attempt starting',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const redrives = meter.createCounter('telltale.jobs.redrives', {
    description: 'Dead-lettered jobs moved back to the queue',
    unit: '{job}',
  });
  const depth = meter.createObservableGauge('telltale.jobs.queue.depth', {
    description: 'Jobs by type and state, as the backend holds them',
    unit: '{job}',
  });
  const dead = meter.createObservableGauge('telltale.jobs.dead_letters', {
    description: 'Dead-lettered jobs awaiting inspection or redrive',
    unit: '{job}',
  });
  const cache = new Map<string, Attributes>();
  const attributes = (type: string, state?: string): Attributes => {
    const key = state === undefined ? type : `${type}\u0000${state}`;
    let found = cache.get(key);
    if (!found)
      cache.set(key, (found = state === undefined ? { 'job.type': type } : { 'job.type': type, 'job.state': state }));
    return found;
  };
  const observe: BatchObservableCallback = async (result) => {
    const byType = await counts().catch(() => undefined);
    if (!byType) return;
    for (const [type, perState] of Object.entries(byType)) {
      for (const state of STATES) result.observe(depth, perState[state], attributes(type, state));
      result.observe(dead, perState.dead, attributes(type));
    }
  };
  meter.addBatchObservableCallback(observe, [depth, dead]);
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
    close() {
      meter.removeBatchObservableCallback(observe, [depth, dead]);
    },
  };
}
