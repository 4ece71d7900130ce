import { TelltaleConfigError } from '@telltale/core';

/**
 * The bucket boundaries (seconds) the OpenTelemetry semantic conventions
 * advise for `http.server.request.duration`.
 *
 * @example
 * ```ts
 * import { HTTP_DURATION_BUCKETS } from '@telltale/metrics';
 * HTTP_DURATION_BUCKETS[0]; // 0.005
 * ```
 */
export const HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

/**
 * Default bucket boundaries (seconds) for `telltale.operation.duration`: the
 * HTTP ones extended to an hour, because jobs run longer than requests.
 *
 * @example
 * ```ts
 * import { OPERATION_DURATION_BUCKETS } from '@telltale/metrics';
 * OPERATION_DURATION_BUCKETS.at(-1); // 3600
 * ```
 */
export const OPERATION_DURATION_BUCKETS: readonly number[] = Object.freeze([
  ...HTTP_DURATION_BUCKETS,
  30,
  60,
  120,
  300,
  600,
  1800,
  3600,
]);

/** Validates custom bucket boundaries: finite, strictly increasing, non-empty. */
export function validateBuckets(option: string, value: unknown, fallback: readonly number[]): readonly number[] {
  if (value === undefined) return fallback;
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (bound, index) =>
        typeof bound === 'number' && Number.isFinite(bound) && (index === 0 || bound > (value[index - 1] as number)),
    );
  if (!valid) {
    throw new TelltaleConfigError({
      option,
      value,
      expected: 'a non-empty array of strictly increasing finite numbers',
    });
  }
  return Object.freeze([...(value as number[])]);
}

/** Index of the bucket `value` falls into (`value <= bound`), or `bounds.length` for +Inf. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let index = 0;
  while (index < bounds.length && value > bounds[index]!) index++;
  return index;
}
