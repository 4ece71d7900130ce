import type { Emitter, TimerHandle } from '@telltale/core';
import type { DeliveryResult } from '../channel.js';
import type { DeadLetter } from '../notifier-types.js';
import { withLegacyType, type NotifyDeliveryEventBase, type NotifyEvent, type NotifyEventInput } from '../events.js';
import { deliveryKey } from './dead-letters.js';
import type { ResolvedQuietHours } from '../quiet-hours.js';
import type { ResolvedRecipient } from '../recipients.js';
import type { NotifyRoute } from '../routes.js';
import type { QueueLease } from '../queue/queue-port.js';
import type { IdempotencyEntry, OutboxRecord } from '../store.js';
import type { NotifyTelemetry } from '../telemetry.js';
import type { Lane, NotifierSettings } from './lanes.js';

/** Tracks one sent message until every channel delivered or dead-lettered it. */
export interface Tracker {
  remaining: Set<string>;
  results: Record<string, DeliveryResult>;
  failures: DeadLetter[];
  /** The deliveries by id (to settle them from a shared queue's status). */
  records: Map<string, OutboxRecord>;
  listeners: Set<(error: Error | undefined, results: Record<string, DeliveryResult>) => void>;
}

/** An idempotency key this process knows, with the outcome of its message once known. */
export interface KeyEntry extends IdempotencyEntry {
  outcome?: 'delivered' | 'dead';
}

/** The validated, immutable shape of one notifier: its channels, people, routes and policies. */
export interface NotifierConfig {
  settings: NotifierSettings;
  lanes: Map<string, Lane>;
  channelNames: readonly string[];
  recipients: Map<string, ResolvedRecipient>;
  routes: readonly NotifyRoute[] | undefined;
  /** Channel → the channel its dead letters fall back to. */
  fallbacks: Map<string, string>;
  /** Channel → its quiet hours. */
  quietHours: Map<string, ResolvedQuietHours>;
}

/**
 * The mutable state one notifier's modules share. One object instead of
 * closure variables, so the acceptance path, the delivery loop and the
 * lifecycle can live in separate files.
 */
export interface NotifierState extends NotifierConfig {
  events: Emitter<NotifyEvent>;
  telemetry: NotifyTelemetry;
  /** Idempotency keys seen within the dedup window, oldest first. */
  keys: Map<string, KeyEntry>;
  /** Keys whose send is being written to the store, until the write settles. */
  inFlightKeys: Map<string, Promise<void>>;
  trackers: Map<string, Tracker>;
  /** With a shared queue: the leases of the deliveries this process claimed. */
  leases: Map<string, QueueLease>;
  /** With a shared queue: how long claims hold. */
  leaseMs: number;
  /** With a shared queue: the dead-letter and outcome refresh. */
  refreshTimer: TimerHandle | undefined;
  /** With a shared queue: the lease renewal. */
  renewTimer: TimerHandle | undefined;
  idleWaiters: Set<() => void>;
  progressWaiters: Set<() => void>;
  /** Aborts every in-flight delivery at close. */
  abort: AbortController;
  /** Deliveries waiting or in flight. */
  queued: number;
  /** Sends counted from validation until queued, so flush() waits for them too. */
  accepting: number;
  closing: boolean;
  closed: boolean;
}

/** Emits only when someone listens (events are built on the hot path otherwise), with the deprecated `legacyType`. */
export function emit(state: NotifierState, event: NotifyEventInput): void {
  if (state.events.size > 0) state.events.emit(withLegacyType(event));
}

/** Wakes close() and resolves flush() once nothing is queued or being accepted. */
export function checkIdle(state: NotifierState): void {
  for (const notify of state.progressWaiters) notify();
  state.progressWaiters.clear();
  if (state.queued !== 0 || state.accepting !== 0 || state.idleWaiters.size === 0) return;
  for (const resolve of state.idleWaiters) resolve();
  state.idleWaiters.clear();
}

/** Store writes are fire-and-track: a failing store must not wedge the queue, but is logged. */
export function persist(state: NotifierState, operation: Promise<void>): void {
  operation.catch((error: unknown) => state.settings.logger.error({ err: error }, 'notify outbox store write failed'));
}

/** The per-delivery fields of an event. */
export function about(record: OutboxRecord): Omit<NotifyDeliveryEventBase, 'channel'> {
  return {
    deliveryId: record.id,
    idempotencyKey: deliveryKey(record),
    ...(record.recipient === undefined ? {} : { recipient: record.recipient.id }),
  };
}
