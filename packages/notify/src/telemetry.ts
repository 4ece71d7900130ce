import { createRequire } from 'node:module';
import { counter, gauge, histogram, telemetrySource, type MeterProviderLike } from '@telltale/core';

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
const source = telemetrySource({ scope: '@telltale/notify', require: createRequire(import.meta.url) });
// prettier-ignore
const INSTRUMENTS = {
  deliveries: counter('telltale.notify.deliveries', { unit: '{delivery}', description: 'Delivery attempts by outcome' }),
  latency: histogram('telltale.notify.delivery.latency', { unit: 's', description: 'Time from acceptance by the queue to delivery', buckets: LATENCY_BUCKETS }),
  depth: gauge('telltale.notify.queue.depth', { unit: '{delivery}', description: 'Deliveries waiting or in flight' }),
  dead: gauge('telltale.notify.dead_letters', { unit: '{delivery}', description: 'Dead-lettered deliveries awaiting inspection or redrive' }),
};

/** Creates the notifier's instruments on `meterProvider` (default: the global one; `false` for none). */
export function createTelemetry(
  meterProvider: MeterProviderLike | false | undefined,
  gauges: QueueGauges,
): NotifyTelemetry {
  const telemetry = source.open(meterProvider, INSTRUMENTS);
  const { deliveries, latency, depth, dead } = telemetry.instruments;
  // One attribute object per channel, reused: these run once per delivery.
  const attributeCache = new Map<string, { channel: string }>();
  const channelAttributes = (channel: string): { channel: string } => {
    let attributes = attributeCache.get(channel);
    if (!attributes) attributeCache.set(channel, (attributes = { channel }));
    return attributes;
  };
  telemetry.observeBatch([depth, dead], (result) => {
    for (const entry of gauges.channels()) {
      result.observe(depth, entry.depth, channelAttributes(entry.channel));
      result.observe(dead, entry.deadLetters, channelAttributes(entry.channel));
    }
  });
  return {
    delivery(channel, outcome) {
      deliveries.add(1, { channel, outcome });
    },
    latency(channel, seconds) {
      latency.record(seconds, channelAttributes(channel));
    },
    close: () => telemetry.close(),
  };
}
