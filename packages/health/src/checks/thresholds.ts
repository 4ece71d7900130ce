import { TelltaleConfigError } from '@telltale/core';
import type { HealthStatus } from '../types.js';

/** Validated `warnAt`/`failAt` pair with warnAt <= failAt. */
export interface Thresholds {
  warnAt: number;
  failAt: number;
}

/** Validates ratio thresholds in (0, 1]. */
export function ratioThresholds(check: string, warnAt: unknown, failAt: unknown, defaults: Thresholds): Thresholds {
  const resolved = { warnAt: warnAt ?? defaults.warnAt, failAt: failAt ?? defaults.failAt };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
      throw new TelltaleConfigError({ option: `${check}.${name}`, value, expected: 'a ratio in (0, 1], e.g. 0.9' });
    }
  }
  return orderedThresholds(check, resolved as Thresholds);
}

/** Throws unless warnAt <= failAt. */
export function orderedThresholds(check: string, thresholds: Thresholds): Thresholds {
  if (thresholds.warnAt > thresholds.failAt) {
    throw new TelltaleConfigError({
      option: `${check}.warnAt`,
      value: thresholds.warnAt,
      expected: `a value <= failAt (${thresholds.failAt})`,
    });
  }
  return thresholds;
}

/** Status of a measured value against thresholds. */
export function statusFor(value: number, thresholds: Thresholds): HealthStatus {
  if (value >= thresholds.failAt) return 'fail';
  if (value >= thresholds.warnAt) return 'warn';
  return 'pass';
}

/** Rounds a ratio to a percentage with two decimals. */
export function percent(ratio: number): number {
  return Math.round(ratio * 10_000) / 100;
}
