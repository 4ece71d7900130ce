import type { AggregationTemporality, DataPointType, InstrumentType } from '@opentelemetry/sdk-metrics';

// The SDK's enum values, without a runtime dependency on the SDK (its types only): the
// pre-aggregated producers hand the SDK histogram data in its own shape.
export const HISTOGRAM_POINT = 0 as DataPointType.HISTOGRAM;
export const CUMULATIVE = 1 as AggregationTemporality.CUMULATIVE;
export const HISTOGRAM_INSTRUMENT = 'HISTOGRAM' as InstrumentType.HISTOGRAM;
