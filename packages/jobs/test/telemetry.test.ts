import { createManualClock } from '@telltale/core';
import { createJobs } from '@telltale/jobs';
import { constant } from '@telltale/resilience';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { collectMetrics } from '../../../test-support/metric-reader.js';

class TestReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const tick = async (): Promise<void> => {
  for (let index = 0; index < 5; index++) await new Promise((resolve) => setImmediate(resolve));
};

describe('jobs telemetry', () => {
  it('records attempt durations by outcome, wait time, depth by state, dead letters and redrives', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const clock = createManualClock();
    let release!: () => void;
    const jobs = createJobs({
      clock,
      meterProvider,
      types: {
        mail: { maxAttempts: 2, backoff: constant('1s'), handler: () => Promise.reject(new Error('smtp down')) },
        slow: { handler: () => new Promise<void>((resolve) => (release = resolve)) },
      },
    });
    await jobs.submit('mail', {});
    await jobs.submit('slow', {});
    await jobs.submit('slow', {});
    await tick();
    await clock.advanceAsync(1_000);
    expect(await jobs.redrive({ type: 'mail' })).toBe(1);
    await tick();

    const metrics = await collectMetrics(reader);
    const outcomes = metrics['telltale.jobs.duration']!.points.map((point) => point.attributes);
    expect(metrics['telltale.jobs.duration']!.unit).toBe('s');
    expect(outcomes).toEqual(
      expect.arrayContaining([
        { 'job.type': 'mail', outcome: 'retried' },
        { 'job.type': 'mail', outcome: 'dead_lettered' },
      ]),
    );
    expect(metrics['telltale.jobs.wait.duration']!.points.map((point) => point.attributes)).toEqual(
      expect.arrayContaining([{ 'job.type': 'mail' }, { 'job.type': 'slow' }]),
    );
    const depth = Object.fromEntries(
      metrics['telltale.jobs.queue.depth']!.points.filter((point) => point.attributes['job.type'] === 'slow').map(
        (point) => [point.attributes['job.state'], point.value],
      ),
    );
    expect(depth).toMatchObject({ active: 1, waiting: 1, completed: 0, dead: 0 });
    expect(metrics['telltale.jobs.redrives']!.points).toEqual([{ attributes: { 'job.type': 'mail' }, value: 1 }]);
    await clock.advanceAsync(1_000);
    const after = await collectMetrics(reader);
    expect(after['telltale.jobs.dead_letters']!.points).toEqual(
      expect.arrayContaining([{ attributes: { 'job.type': 'mail' }, value: 1 }]),
    );
    release();
    await tick();
    release();
    await jobs.close();
  });
});
