import type { DeliveryQueue } from '../queue/queue-port.js';
import type { OutboxRecord } from '../store.js';
import { persist, type NotifierState } from './state.js';

// Where the delivery loop's state changes go: through the OutboxStore (the notifier keeps the
// working set itself), or to a shared DeliveryQueue (the queue keeps it; this process holds only
// what it claimed, under a lease).

/** The shared queue, when the notifier's store is one; `undefined` for an `OutboxStore`. */
export function sharedQueue(state: NotifierState): DeliveryQueue | undefined {
  return state.settings.backend.kind === 'queue' ? state.settings.backend.queue : undefined;
}

function lost(state: NotifierState, record: OutboxRecord, what: string): (held: boolean) => void {
  return (held) => {
    if (!held)
      state.settings.logger.warn(
        { channel: record.channel, deliveryId: record.id },
        `notify: lease lost before ${what}; another process holds the delivery`,
      );
  };
}

/**
 * Stores a pending delivery for its next attempt at `record.nextAttemptAt`. With a shared queue
 * the claim ends here (another process may make the attempt), so it no longer counts as queued here.
 */
export function writeLater(state: NotifierState, record: OutboxRecord): void {
  const backend = state.settings.backend;
  if (backend.kind === 'outbox') return persist(state, backend.store.save(record));
  const lease = state.leases.get(record.id);
  state.leases.delete(record.id);
  state.queued--;
  if (lease)
    persist(state, backend.queue.release(lease, record, record.nextAttemptAt).then(lost(state, record, 'a retry')));
}

/** Stores a dead-lettered delivery. */
export function writeDead(state: NotifierState, record: OutboxRecord): void {
  const backend = state.settings.backend;
  if (backend.kind === 'outbox') return persist(state, backend.store.save(record));
  const lease = state.leases.get(record.id);
  state.leases.delete(record.id);
  if (lease) persist(state, backend.queue.deadLetter(lease, record).then(lost(state, record, 'dead-lettering')));
}

/** Stores a new delivery (a fallback's copy). */
export function writeNew(state: NotifierState, record: OutboxRecord): void {
  const backend = state.settings.backend;
  persist(state, backend.kind === 'outbox' ? backend.store.save(record) : backend.queue.add([record]));
}

/** Acknowledges a delivered delivery; resolves once written (a failed write is logged, not thrown). */
export function writeDelivered(state: NotifierState, record: OutboxRecord): Promise<void> {
  const backend = state.settings.backend;
  const log = (error: unknown): void => state.settings.logger.error({ err: error }, 'notify outbox store write failed');
  if (backend.kind === 'outbox') return backend.store.remove(record.id).catch(log);
  const lease = state.leases.get(record.id);
  state.leases.delete(record.id);
  if (!lease) return Promise.resolve();
  return backend.queue.acknowledge(lease).then(lost(state, record, 'acknowledging'), log);
}
