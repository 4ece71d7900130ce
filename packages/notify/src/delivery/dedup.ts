import type { IdempotencyEntry, OutboxRecord } from '../store.js';
import { persist, type KeyEntry, type NotifierState } from './state.js';

/**
 * The write of a send with `key` still in progress, if any: its outcome decides whether the
 * next send is a duplicate. Synchronous when there is none, so a send reserves its key in the
 * same turn as it checked it.
 */
export function pendingKeyWrite(state: NotifierState, key: string): Promise<void> | undefined {
  return state.inFlightKeys.get(key);
}

/** Forgets keys whose dedup window has passed. */
export function pruneKeys(state: NotifierState, now: number): void {
  // Entries are inserted with a constant window, so the oldest expire first.
  for (const [key, entry] of state.keys) {
    if (entry.expiresAt > now) break;
    state.keys.delete(key);
  }
}

/**
 * Writes a send's key and records. On failure nothing of it may survive: the
 * key stays unknown (so the caller's retry is accepted, not a "duplicate" of
 * a message that was never queued), and whatever part a non-atomic store did
 * write is undone (the key expired, the records removed) so a restart does
 * not deliver what the caller was told failed.
 */
export async function writeThrough(
  state: NotifierState,
  entry: IdempotencyEntry,
  kept: KeyEntry,
  records: readonly OutboxRecord[],
): Promise<void> {
  const { backend, clock } = state.settings;
  if (backend.kind !== 'outbox') throw new TypeError('writeThrough() is for an OutboxStore');
  const store = backend.store;
  let settle = (): void => {};
  state.inFlightKeys.set(entry.key, new Promise<void>((resolve) => (settle = resolve)));
  try {
    await Promise.all([store.rememberKey(entry), ...records.map((record) => store.save(record))]);
    // Committed before the waiting sends resume, so they see the duplicate.
    state.keys.set(entry.key, kept);
  } catch (error) {
    persist(state, store.rememberKey({ ...entry, expiresAt: clock.now() }));
    for (const record of records) persist(state, store.remove(record.id));
    throw error;
  } finally {
    state.inFlightKeys.delete(entry.key);
    settle();
  }
}
