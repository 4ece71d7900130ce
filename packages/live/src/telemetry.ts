import { metrics, type Attributes, type MeterProvider } from '@opentelemetry/api';
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
}

const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];

/** Creates the hub's instruments on `meterProvider` (default: the global one, a no-op without an SDK). */
export function createLiveTelemetry(meterProvider: MeterProvider | undefined): LiveTelemetry {
  const meter = (meterProvider ?? metrics.getMeterProvider()).getMeter('@telltale/live');
  const connections = meter.createUpDownCounter('telltale.live.connections', {
    description: 'Open live streams',
    unit: '{connection}',
  });
  const connectionDuration = meter.createHistogram('telltale.live.connection.duration', {
    description: 'How long live streams stayed open',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const connectDuration = meter.createHistogram('telltale.live.connect.duration', {
    description: 'From request to an open stream (authorize, admission, resume replay)',
    unit: 's',
    advice: { explicitBucketBoundaries: FAST_BUCKETS },
  });
  const deliveryDuration = meter.createHistogram('telltale.live.delivery.duration', {
    description: 'From publish to the write of the event on this instance, one sample per event and transport',
    unit: 's',
    advice: { explicitBucketBoundaries: FAST_BUCKETS },
  });
  const messages = meter.createCounter('telltale.live.messages', {
    description: 'Event writes to clients by outcome',
    unit: '{message}',
  });
  const refusals = meter.createCounter('telltale.live.refusals', {
    description: 'Connections and polls refused, by reason',
    unit: '{connection}',
  });
  const disconnections = meter.createCounter('telltale.live.disconnections', {
    description: 'Streams closed, by reason',
    unit: '{connection}',
  });
  const brokerErrors = meter.createCounter('telltale.live.broker.errors', {
    description: 'Broker operations that failed (local delivery continued)',
    unit: '{error}',
  });
  // Attribute objects are reused: these run once per event or connection.
  const byTransport: Record<LiveTransport, Attributes> = {
    sse: { transport: 'sse' },
    websocket: { transport: 'websocket' },
    polling: { transport: 'polling' },
  };
  const delivered: Record<LiveTransport, Attributes> = {
    sse: { transport: 'sse', outcome: 'delivered' },
    websocket: { transport: 'websocket', outcome: 'delivered' },
    polling: { transport: 'polling', outcome: 'delivered' },
  };
  const dropped: Record<LiveTransport, Attributes> = {
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
  };
}
