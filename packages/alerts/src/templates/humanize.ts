import { formatG } from './go-format.js';

/**
 * Prometheus' `humanize`: SI prefixes with 4 significant digits (`1.235k`, `12.5m`).
 *
 * @example
 * ```ts
 * import { humanize } from '@telltale/alerts';
 * humanize(1234567); // '1.235M'
 * ```
 */
export function humanize(input: number): string {
  let value = input;
  if (value === 0 || !Number.isFinite(value)) return formatG(value, 4);
  let prefix = '';
  if (Math.abs(value) >= 1) {
    for (const candidate of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(value) < 1000) break;
      prefix = candidate;
      value /= 1000;
    }
    return `${formatG(value, 4)}${prefix}`;
  }
  for (const candidate of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(value) >= 1) break;
    prefix = candidate;
    value *= 1000;
  }
  return `${formatG(value, 4)}${prefix}`;
}

/**
 * Prometheus' `humanizePercentage`: a ratio as a percentage (`0.1234` → `12.34%`).
 *
 * @example
 * ```ts
 * import { humanizePercentage } from '@telltale/alerts';
 * humanizePercentage(0.05); // '5%'
 * ```
 */
export function humanizePercentage(value: number): string {
  return `${formatG(value * 100, 4)}%`;
}

/**
 * Prometheus' `humanizeDuration`: seconds as `1d 2h 3m 4s`, or with SI prefixes below one second.
 *
 * @example
 * ```ts
 * import { humanizeDuration } from '@telltale/alerts';
 * humanizeDuration(93784); // '1d 2h 3m 4s'
 * ```
 */
export function humanizeDuration(input: number): string {
  let value = input;
  if (!Number.isFinite(value)) return formatG(value, 4);
  if (value === 0) return `${formatG(value, 4)}s`;
  if (Math.abs(value) >= 1) {
    const sign = value < 0 ? '-' : '';
    value = Math.abs(value);
    const duration = Math.trunc(value);
    const seconds = duration % 60;
    const minutes = Math.trunc(duration / 60) % 60;
    const hours = Math.trunc(duration / 3600) % 24;
    const days = Math.trunc(duration / 86_400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${formatG(value, 4)}s`;
  }
  let prefix = '';
  for (const candidate of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(value) >= 1) break;
    prefix = candidate;
    value *= 1000;
  }
  return `${formatG(value, 4)}${prefix}s`;
}

/**
 * Prometheus' `humanize1024`: binary prefixes with 4 significant digits (`2ki`, `1.5Mi`).
 *
 * @example
 * ```ts
 * import { humanize1024 } from '@telltale/alerts';
 * humanize1024(1572864); // '1.5Mi'
 * ```
 */
export function humanize1024(input: number): string {
  let value = input;
  if (Math.abs(value) <= 1 || !Number.isFinite(value)) return formatG(value, 4);
  let prefix = '';
  for (const candidate of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(value) < 1024) break;
    prefix = candidate;
    value /= 1024;
  }
  return `${formatG(value, 4)}${prefix}`;
}
