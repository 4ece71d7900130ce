import { metrics, type Attributes, type BatchObservableCallback, type MeterProvider } from '@opentelemetry/api';

/** Outcomes recorded on `telltale.notify.deliveries`. */
export type DeliveryOutcome =
  'delivered' | 'retried' | 'rate_limited' | 'circuit_open' | 'dead_lettered' | 'deferred' | 'skipped';

/** Instruments of one notifier. */
export interface NotifyTelemetry {
  delivery(channel: string, outcome: DeliveryOutcome): void;
  latency(channel: string, seconds: number): void;
  close(): void;
}

/** Per-channel gauges read at collection time. */
export interface QueueGauges {
  channels(): Iterable<{ channel: string; depth: number; deadLetters: number }>;
}

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Creates the notifier's instruments on `meterProvider` (default: the global one). */
export function createTelemetry(meterProvider: MeterProvider | undefined, gauges: QueueGauges): NotifyTelemetry {
  const meter = (meterProvider ?? metrics.getMeterProvider()).getMeter('@telltale/notify');
  const deliveries = meter.createCounter('telltale.notify.deliveries', {
    description: 'Delivery attempts by outcome',
    unit: '{delivery}',
  });
  const latency = meter.createHistogram('telltale.notify.delivery.latency', {
    description: 'Time from acceptance by the queue to delivery',
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
  });
  const depth = meter.createObservableGauge('telltale.notify.queue.depth', {
    description: 'Deliveries waiting or in flight',
    unit: '{delivery}',
  });
  const dead = meter.createObservableGauge('telltale.notify.dead_letters', {
    description: 'Dead-lettered deliveries awaiting inspection or redrive',
    unit: '{delivery}',
  });
  const attributeCache = new Map<string, Attributes>();
  const channelAttributes = (channel: string): Attributes => {
    let attributes = attributeCache.get(channel);
    if (!attributes) attributeCache.set(channel, (attributes = { channel }));
    return attributes;
  };
  const observe: BatchObservableCallback = (result) => {
    for (const entry of gauges.channels()) {
      result.observe(depth, entry.depth, channelAttributes(entry.channel));
      result.observe(dead, entry.deadLetters, channelAttributes(entry.channel));
    }
  };
  meter.addBatchObservableCallback(observe, [depth, dead]);
  return {
    delivery(channel, outcome) {
      deliveries.add(1, { channel, outcome });
    },
    latency(channel, seconds) {
      latency.record(seconds, channelAttributes(channel));
    },
    close() {
      meter.removeBatchObservableCallback(observe, [depth, dead]);
    },
  };
}
