import type { DeliveryQueue } from '../queue/queue-port.js';
import type { OutboxRecord } from '../store.js';
import { awaitClaim, kickFeed } from './queue-feed.js';
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
  // Still pending as seen from here, and claimed back when due (as the in-process store would
  // run it), not at the next poll.
  const lane = state.lanes.get(record.channel);
  if (lane) awaitClaim(state, lane, record);
  if (lease)
    persist(
      state,
      backend.queue.release(lease, record, record.nextAttemptAt).then((held) => {
        lost(state, record, 'a retry')(held);
        if (held && lane && record.nextAttemptAt <= state.settings.clock.now()) kickFeed(state, lane);
      }),
    );
}

/** Stores a dead-lettered delivery. */
export function writeDead(state: NotifierState, record: OutboxRecord): void {
  const backend = state.settings.backend;
  if (backend.kind === 'outbox') return persist(state, backend.store.save(record));
  const lease = state.leases.get(record.id);
  state.leases.delete(record.id);
  if (lease) persist(state, backend.queue.deadLetter(lease, record).then(lost(state, record, 'dead-lettering')));
}

/** Fallback copies whose write to the shared queue is under way (meanwhile the queue knows nothing of them). */
const storing = new WeakMap<NotifierState, Set<string>>();

/** `id` is a new delivery this process is still writing to the shared queue. */
export function beingStored(state: NotifierState, id: string): boolean {
  return storing.get(state)?.has(id) ?? false;
}

/** How many new deliveries this process is still writing to the shared queue. */
export function storingCount(state: NotifierState): number {
  return storing.get(state)?.size ?? 0;
}

/** Stores a new delivery (a fallback's copy). */
export function writeNew(state: NotifierState, record: OutboxRecord): void {
  const backend = state.settings.backend;
  if (backend.kind === 'outbox') return persist(state, backend.store.save(record));
  const lane = state.lanes.get(record.channel);
  if (lane) awaitClaim(state, lane, record);
  let ids = storing.get(state);
  if (!ids) storing.set(state, (ids = new Set()));
  ids.add(record.id);
  // Claimed once the queue holds it: a claim before the write would find nothing until the next poll.
  persist(
    state,
    backend.queue
      .add([record])
      .finally(() => ids.delete(record.id))
      .then(() => {
        if (lane) kickFeed(state, lane);
      }),
  );
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
