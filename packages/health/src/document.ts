import type { CheckEntry } from './check-entry.js';
import type { CheckOutcome } from './run-check.js';
import type { HealthCheckEntry, HealthDocument, HealthStatus } from './types.js';

/** Static fields every full document carries. */
export interface DocumentIdentity {
  version?: string | undefined;
  releaseId?: string | undefined;
  serviceId?: string | undefined;
  description?: string | undefined;
}

const RANK: Readonly<Record<HealthStatus, number>> = { pass: 0, warn: 1, fail: 2 };

/** The worse of two statuses. */
export function worst(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Overall status: a critical failure fails the document, a non-critical one
 * only degrades it to `warn`; any `warn` is `warn`.
 */
export function aggregate(entries: readonly CheckEntry[], outcomes: readonly CheckOutcome[]): HealthStatus {
  let status: HealthStatus = 'pass';
  for (let index = 0; index < entries.length; index++) {
    const outcome = outcomes[index]!;
    const effective = outcome.status === 'fail' && !entries[index]!.config.critical ? 'warn' : outcome.status;
    status = worst(status, effective);
  }
  return status;
}

/** Builds the `application/health+json` document for the given checks and their results. */
export function buildDocument(
  identity: DocumentIdentity,
  entries: readonly CheckEntry[],
  outcomes: readonly CheckOutcome[],
  override?: { status: HealthStatus; output: string },
): HealthDocument {
  const status = override ? worst(override.status, aggregate(entries, outcomes)) : aggregate(entries, outcomes);
  const document: HealthDocument = { status };
  if (identity.version !== undefined) document.version = identity.version;
  if (identity.releaseId !== undefined) document.releaseId = identity.releaseId;
  if (identity.serviceId !== undefined) document.serviceId = identity.serviceId;
  if (identity.description !== undefined) document.description = identity.description;
  if (override) document.output = override.output;
  const checks: Record<string, HealthCheckEntry[]> = {};
  for (let index = 0; index < entries.length; index++) {
    const { config } = entries[index]!;
    const outcome = outcomes[index]!;
    const entry = {} as HealthCheckEntry;
    if (config.componentId !== undefined) entry.componentId = config.componentId;
    entry.componentType = config.componentType;
    if (outcome.observedValue !== undefined) entry.observedValue = outcome.observedValue;
    if (outcome.observedUnit !== undefined) entry.observedUnit = outcome.observedUnit;
    entry.status = outcome.status;
    entry.time = new Date(outcome.finishedAt).toISOString();
    if (outcome.output !== undefined && outcome.status !== 'pass') entry.output = outcome.output;
    // Own-property test: a check named `constructor` must not find Object.prototype's.
    const list = Object.hasOwn(checks, config.key) ? checks[config.key]! : (checks[config.key] = []);
    list.push(entry);
  }
  document.checks = checks;
  return document;
}
