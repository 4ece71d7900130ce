import type { Instrumentation } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { AggregationType, type ViewOptions } from '@opentelemetry/sdk-metrics';

/** Instrumentations created early by `@telltale/node/register`, before the app's modules load. */
interface PreparedInstrumentations {
  pg?: PgInstrumentation;
}

const PREPARED = Symbol.for('telltale.node.preparedInstrumentations');

function preparedSlot(): PreparedInstrumentations {
  const global = globalThis as Record<symbol, PreparedInstrumentations | undefined>;
  return (global[PREPARED] ??= {});
}

/**
 * Creates (and so enables: its require/import hooks are installed) every
 * default instrumentation now, so modules the app imports later are patched.
 * `startTelemetry` then adopts these instances instead of creating new ones.
 */
export function prepareInstrumentations(): void {
  const slot = preparedSlot();
  slot.pg ??= new PgInstrumentation();
}

/** The library instrumentations `startTelemetry` registers with the SDK. */
export function libraryInstrumentations(options: { pg: boolean }): Instrumentation[] {
  const slot = preparedSlot();
  const list: Instrumentation[] = [];
  if (options.pg) {
    const pg = (slot.pg ??= new PgInstrumentation());
    // Idempotent; re-patches pg after a previous startTelemetry().close() disabled it.
    pg.enable();
    list.push(pg);
  } else slot.pg?.disable();
  return list;
}

/**
 * instrumentation-pg's pool series are dropped: measured with two pools and a
 * saturated one (0.76.0), its single process-wide counter mixes pools up,
 * `pending_requests` only moves on acquire/release (0 while 3 requests
 * waited), the pool name is `unknown_host:unknown_port/unknown_database` for
 * a connection string, and it has no wait time or timeouts. `instrumentPool`
 * from `@telltale/metrics/pg` observes exact values under the same names.
 */
export const PG_POOL_VIEWS: ViewOptions[] = [
  {
    meterName: '@opentelemetry/instrumentation-pg',
    instrumentName: 'db.client.connection.*',
    aggregation: { type: AggregationType.DROP },
  },
];
