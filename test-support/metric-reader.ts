/** What a test reads back from an OpenTelemetry `MetricReader`: per instrument, its unit and points. */
export type CollectedMetrics = Record<
  string,
  { unit: string; points: { attributes: Record<string, unknown>; value: unknown }[] }
>;

/** The part of `MetricReader.collect()`'s result the tests look at (no SDK import needed here). */
interface Collectable {
  collect(): Promise<{
    resourceMetrics: {
      scopeMetrics: {
        metrics: {
          descriptor: { name: string; unit: string };
          dataPoints: readonly { attributes: Record<string, unknown>; value: unknown }[];
        }[];
      }[];
    };
  }>;
}

/**
 * Collects once from an SDK `MetricReader` and flattens the result by
 * instrument name, for exact `toEqual` assertions in telemetry tests.
 *
 * @example
 *   const reader = new TestReader();
 *   const provider = new MeterProvider({ readers: [reader] });
 *   ... exercise the package with { meterProvider: provider } ...
 *   expect((await collectMetrics(reader))['telltale.x'].points).toEqual([...]);
 */
export async function collectMetrics(reader: Collectable): Promise<CollectedMetrics> {
  const { resourceMetrics } = await reader.collect();
  const collected: CollectedMetrics = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      collected[metric.descriptor.name] = {
        unit: metric.descriptor.unit,
        points: metric.dataPoints.map((point) => ({ attributes: point.attributes, value: point.value })),
      };
    }
  }
  return collected;
}
