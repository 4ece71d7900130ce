/** Jitter applied to exponential backoff. */
export type Jitter = 'full' | 'equal' | 'none';

/** Backoff settings in milliseconds. */
export interface BackoffSettings {
  initial: number;
  max: number;
  jitter: Jitter;
}

/**
 * Delay before retry number `retry` (1-based): `initial * 2^(retry-1)`
 * capped at `max`, then jittered. `equal` keeps at least half the delay so
 * retries never collapse to zero; `full` spreads over `[0, delay]`.
 */
export function backoffDelay(retry: number, settings: BackoffSettings, random: () => number): number {
  const exponent = Math.min(Math.max(0, retry - 1), 30);
  const base = Math.min(settings.max, settings.initial * 2 ** exponent);
  if (settings.jitter === 'none') return base;
  if (settings.jitter === 'full') return Math.round(random() * base);
  return Math.round(base / 2 + (random() * base) / 2);
}
