import { MetricReader } from '@opentelemetry/sdk-metrics';

/**
 * A metric reader that only collects when asked (`collect()`), for
 * in-process consumers such as `@telltale/alerts`' `otelSeriesSource`.
 * Used when the Prometheus exporter (itself a pull reader) is disabled.
 */
export class PullMetricReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}
