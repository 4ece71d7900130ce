import { monitorEventLoopDelay } from 'node:perf_hooks';
import { formatDuration, options as validate, type DurationInput } from '@telltale/core';
import type { HealthCheck, HealthCheckDefaults } from '../types.js';
import { orderedThresholds, statusFor } from './thresholds.js';

/**
 * Options of {@link eventLoopDelayCheck}.
 *
 * @example
 * ```ts
 * import type { EventLoopDelayCheckOptions } from '@telltale/health';
 * const options: EventLoopDelayCheckOptions = { warnAt: '50ms', failAt: '500ms', percentile: 99 };
 * ```
 */
export interface EventLoopDelayCheckOptions {
  /** Delay at which the check warns. Default `'100ms'`. */
  warnAt?: DurationInput;
  /** Delay at which the check fails. Default `'1s'`. */
  failAt?: DurationInput;
  /** Percentile of the delay histogram compared. Default `99`. */
  percentile?: number;
  /** Sampling resolution in ms. Default `10`. */
  resolution?: number;
}

/**
 * Event-loop delay since the previous run (a percentile, in ms), measured
 * with `perf_hooks.monitorEventLoopDelay`. The monitor runs from creation
 * until `close()` (the registry calls it on unregister and close).
 *
 * @example
 * ```ts
 * import { eventLoopDelayCheck } from '@telltale/health';
 * registry.register('eventLoop', eventLoopDelayCheck({ warnAt: '100ms', failAt: '2s' }), {
 *   tags: ['live'],
 *   interval: '10s',
 * });
 * ```
 */
export function eventLoopDelayCheck(
  options: EventLoopDelayCheckOptions = {},
): HealthCheck & HealthCheckDefaults & { close(): void } {
  validate.object('eventLoopDelayCheck options', options);
  const thresholds = orderedThresholds('eventLoopDelayCheck', {
    warnAt: validate.duration('eventLoopDelayCheck.warnAt', options.warnAt, '100ms'),
    failAt: validate.duration('eventLoopDelayCheck.failAt', options.failAt, '1s'),
  });
  const percentile = validate.numberInRange('eventLoopDelayCheck.percentile', options.percentile, 1, 100, 99);
  const resolution = validate.positiveInteger('eventLoopDelayCheck.resolution', options.resolution, 10);
  const histogram = monitorEventLoopDelay({ resolution });
  histogram.enable();
  const check = () => {
    const delayMilliseconds = histogram.count === 0 ? 0 : histogram.percentile(percentile) / 1e6;
    histogram.reset();
    const observedValue = Math.round(delayMilliseconds * 100) / 100;
    const status = statusFor(delayMilliseconds, thresholds);
    const result = { status, observedValue, observedUnit: 'ms' };
    if (status === 'pass') return result;
    return { ...result, output: `event loop delay p${percentile} ${formatDuration(delayMilliseconds)}` };
  };
  return Object.assign(check, {
    measurement: 'delay',
    componentType: 'system',
    close: () => histogram.disable(),
  });
}
