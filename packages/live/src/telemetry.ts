import { createRequire } from 'node:module';
import {
  counter,
  histogram,
  telemetrySource,
  upDownCounter,
  type MeterProviderLike,
  type MetricAttributes,
} from '@telltale/core';
import type { LiveTransport } from './hub-options.js';

/** Why a connection was refused. */
export type RefusalReason = 'unauthorized' | 'forbidden' | 'key_limit' | 'global_limit' | 'closing' | 'error';

/** Why a stream was closed by the hub or the client. */
export type DisconnectReason = 'client' | 'idle' | 'slow' | 'ended' | 'closed' | 'unresponsive';

/** Instruments of one hub. */
export interface LiveTelemetry {
  opened(transport: LiveTransport, connectSeconds: number): void;
  closed(transport: LiveTransport, durationSeconds: number, reason: DisconnectReason): void;
  delivered(transport: LiveTransport, count: number, latencySeconds: number): void;
  dropped(transport: LiveTransport, count: number): void;
  refused(reason: RefusalReason): void;
  brokerError(operation: 'publish' | 'history' | 'end'): void;
  /** Nothing is observed today; here so every telemetry object closes the same way. */
  close(): void;
}

const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];
const source = telemetrySource({ scope: '@telltale/live', require: createRequire(import.meta.url) });
// prettier-ignore
const INSTRUMENTS = {
  connections: upDownCounter('telltale.live.connections', { unit: '{connection}', description: 'Open live streams' }),
  connectionDuration: histogram('telltale.live.connection.duration', { unit: 's', description: 'How long live streams stayed open', buckets: DURATION_BUCKETS }),
  connectDuration: histogram('telltale.live.connect.duration', { unit: 's', description: 'From request to an open stream (authorize, admission, resume replay)', buckets: FAST_BUCKETS }),
  deliveryDuration: histogram('telltale.live.delivery.duration', { unit: 's', description: 'From publish to the write of the event on this instance, one sample per event and transport', buckets: FAST_BUCKETS }),
  messages: counter('telltale.live.messages', { unit: '{message}', description: 'Event writes to clients by outcome' }),
  refusals: counter('telltale.live.refusals', { unit: '{connection}', description: 'Connections and polls refused, by reason' }),
  disconnections: counter('telltale.live.disconnections', { unit: '{connection}', description: 'Streams closed, by reason' }),
  brokerErrors: counter('telltale.live.broker.errors', { unit: '{error}', description: 'Broker operations that failed (local delivery continued)' }),
};

/** Creates the hub's instruments on `meterProvider` (default: the global one, a no-op without an SDK; `false` for none). */
export function createLiveTelemetry(meterProvider: MeterProviderLike | false | undefined): LiveTelemetry {
  const telemetry = source.open(meterProvider, INSTRUMENTS);
  const { connections, connectionDuration, connectDuration, deliveryDuration } = telemetry.instruments;
  const { messages, refusals, disconnections, brokerErrors } = telemetry.instruments;
  // Attribute objects are reused: these run once per event or connection.
  const byTransport: Record<LiveTransport, MetricAttributes> = {
    sse: { transport: 'sse' },
    websocket: { transport: 'websocket' },
    polling: { transport: 'polling' },
  };
  const delivered: Record<LiveTransport, MetricAttributes> = {
    sse: { transport: 'sse', outcome: 'delivered' },
    websocket: { transport: 'websocket', outcome: 'delivered' },
    polling: { transport: 'polling', outcome: 'delivered' },
  };
  const dropped: Record<LiveTransport, MetricAttributes> = {
    sse: { transport: 'sse', outcome: 'dropped' },
    websocket: { transport: 'websocket', outcome: 'dropped' },
    polling: { transport: 'polling', outcome: 'dropped' },
  };
  return {
    opened(transport, connectSeconds) {
      connections.add(1, byTransport[transport]);
      connectDuration.record(connectSeconds, byTransport[transport]);
    },
    closed(transport, durationSeconds, reason) {
      connections.add(-1, byTransport[transport]);
      connectionDuration.record(durationSeconds, byTransport[transport]);
      disconnections.add(1, { transport, reason });
    },
    delivered(transport, count, latencySeconds) {
      messages.add(count, delivered[transport]);
      deliveryDuration.record(latencySeconds, byTransport[transport]);
    },
    dropped(transport, count) {
      messages.add(count, dropped[transport]);
    },
    refused(reason) {
      refusals.add(1, { reason });
    },
    brokerError(operation) {
      brokerErrors.add(1, { operation });
    },
    close: () => telemetry.close(),
  };
}
