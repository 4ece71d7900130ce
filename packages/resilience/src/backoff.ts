// The one backoff lives in core so packages without a resilience dependency (the alert router)
// use the same implementation; resilience keeps exporting it under its documented names.
export { exponential, constant } from '@telltale/core';
export type { Backoff, ExponentialOptions, Jitter } from '@telltale/core';
