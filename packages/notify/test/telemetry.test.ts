import { Writable } from 'node:stream';
import { consoleChannel, createNotifier } from '@telltale/notify';
import { describe, expect, it } from 'vitest';
import { probeTelemetry } from './fixtures/telemetry-probe.js';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

describe.each(DELIVERY_PATHS)('telemetry with the OpenTelemetry SDK ($name)', async (path) => {
  const { whileRetrying, afterwards } = await probeTelemetry(path);

  it('reports queue depth per channel while a delivery waits for its retry', () => {
    expect(whileRetrying['telltale.notify.queue.depth']).toEqual({
      unit: '{delivery}',
      points: [{ attributes: { channel: 'flaky' }, value: 1 }],
    });
  });

  it('counts deliveries by channel and outcome', () => {
    const points = afterwards['telltale.notify.deliveries']!.points;
    expect(Object.fromEntries(points.map((point) => [String(point.attributes.outcome), point.value]))).toEqual({
      retried: 1,
      delivered: 1,
      dead_lettered: 1,
    });
    expect(points.every((point) => point.attributes.channel === 'flaky')).toBe(true);
  });

  it('records enqueue-to-delivery latency in seconds', () => {
    const latency = afterwards['telltale.notify.delivery.latency']!;
    expect(latency.unit).toBe('s');
    expect(latency.points[0]!.value).toMatchObject({ count: 1, sum: 0.25 });
  });

  it('reports dead letters and an empty queue afterwards', () => {
    expect(afterwards['telltale.notify.dead_letters']!.points).toEqual([
      { attributes: { channel: 'flaky' }, value: 1 },
    ]);
    expect(afterwards['telltale.notify.queue.depth']!.points).toEqual([{ attributes: { channel: 'flaky' }, value: 0 }]);
  });
});

describe('consoleChannel', () => {
  it('writes one JSON line per message to a stream', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const notifier = createNotifier({ channels: { log: consoleChannel({ stream }) } });
    await notifier.send({ subject: 'Hello', severity: 'warning' }, { await: 'delivered', idempotencyKey: 'c1' });
    await notifier.close();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      notification: { id: 'c1', channel: 'log', subject: 'Hello', severity: 'warning' },
    });
  });

  it('writes through the logger port at a level matching the severity', async () => {
    const entries: [string, unknown, unknown][] = [];
    const logger = {
      info: (object: unknown, message?: unknown) => entries.push(['info', object, message]),
      warn: (object: unknown, message?: unknown) => entries.push(['warn', object, message]),
      error: (object: unknown, message?: unknown) => entries.push(['error', object, message]),
    };
    const notifier = createNotifier({ channels: { log: consoleChannel({ logger }) } });
    await notifier.send({ subject: 'Disk full', severity: 'critical' }, { await: 'delivered' });
    await notifier.close();
    expect(entries).toEqual([
      [
        'error',
        expect.objectContaining({ notification: expect.objectContaining({ subject: 'Disk full' }) }),
        'Disk full',
      ],
    ]);
  });
});
