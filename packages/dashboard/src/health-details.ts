import type { IncomingMessage } from 'node:http';
import { isLoopbackRequest } from '@telltale/core';
import type { DashboardSnapshot } from './snapshot.js';

/**
 * Who sees health check details (outputs and observed values, which name
 * internal hosts and errors) on the page and in `snapshot.json`.
 *
 * @example
 * ```ts
 * import type { HealthDetails } from '@telltale/dashboard';
 * const healthDetails: HealthDetails = 'when-authorized';
 * ```
 */
export type HealthDetails = 'when-authorized' | 'always' | 'never';

/**
 * `'when-authorized'`: viewers `authorize.view` let in, or, without that
 * hook, requests made directly from this machine (no proxy headers, a
 * local `Host`).
 */
export function createDetailsPolicy(mode: HealthDetails, hasViewHook: boolean): (request: IncomingMessage) => boolean {
  if (mode === 'always') return () => true;
  if (mode === 'never') return () => false;
  return hasViewHook ? () => true : (request) => isLoopbackRequest(request);
}

/** The snapshot without health outputs, observed values or the health source's error text. */
export function withoutHealthDetails(snapshot: DashboardSnapshot): DashboardSnapshot {
  const { health, errors } = snapshot;
  if (health === undefined) return snapshot;
  const publicErrors: Record<string, string> = { ...errors };
  if (Object.hasOwn(errors, 'health')) publicErrors.health = 'health source failed';
  return {
    ...snapshot,
    health: { status: health.status, checks: health.checks.map(({ name, status }) => ({ name, status })) },
    errors: publicErrors,
  };
}
