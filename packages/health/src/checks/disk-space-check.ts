import { statfs } from 'node:fs/promises';
import { options as validate } from '@telltale/core';
import type { HealthCheck, HealthCheckDefaults } from '../types.js';
import { percent, ratioThresholds, statusFor } from './thresholds.js';

/**
 * Options of {@link diskSpaceCheck}: ratios of the file system in use.
 *
 * @example
 * ```ts
 * import type { DiskSpaceCheckOptions } from '@telltale/health';
 * const options: DiskSpaceCheckOptions = { warnAt: 0.8, failAt: 0.95 };
 * ```
 */
export interface DiskSpaceCheckOptions {
  /** Used ratio at which the check warns. Default `0.9`. */
  warnAt?: number;
  /** Used ratio at which the check fails. Default `0.98`. */
  failAt?: number;
}

/**
 * Disk usage of the file system holding `path` (via `fs.statfs`), counted
 * like `df`: used / (used + available to unprivileged users).
 *
 * @example
 * ```ts
 * import { diskSpaceCheck } from '@telltale/health';
 * registry.register('disk', diskSpaceCheck('/var/lib/app', { warnAt: 0.8, failAt: 0.95 }), { interval: '1m' });
 * ```
 */
export function diskSpaceCheck(path: string, options: DiskSpaceCheckOptions = {}): HealthCheck & HealthCheckDefaults {
  validate.nonEmptyString('diskSpaceCheck.path', path);
  validate.object('diskSpaceCheck options', options);
  const thresholds = ratioThresholds('diskSpaceCheck', options.warnAt, options.failAt, { warnAt: 0.9, failAt: 0.98 });
  const check = async () => {
    const stats = await statfs(path);
    const used = stats.blocks - stats.bfree;
    const ratio = used + stats.bavail > 0 ? used / (used + stats.bavail) : 0;
    const status = statusFor(ratio, thresholds);
    const result = { status, observedValue: percent(ratio), observedUnit: '%' };
    if (status === 'pass') return result;
    const free = Math.round((stats.bavail * stats.bsize) / 1_048_576);
    return { ...result, output: `${path}: ${percent(ratio)}% used, ${free} MiB available` };
  };
  return Object.assign(check, { measurement: 'utilization', componentType: 'system' });
}
