import { randomUUID } from 'node:crypto';
import { TelltaleConfigError } from '@telltale/core';
import type { IdempotencyEntry, OutboxRecord, OutboxStore } from '../store.js';
import type { ClaimedDelivery, DeliveryQueue, QueueLease } from './queue-port.js';

/**
 * The {@link DeliveryQueue} port over any `OutboxStore` (`memoryStore()`,
 * `fileStore()` or your own), for one process: the store is loaded once at
 * `open()`, claims and leases are kept in memory, and every change is written
 * through the store before the call resolves — so what a durable store held
 * is handed out again after a restart, as with the notifier's own queue.
 *
 * @example
 * ```ts
 * import { fileStore, outboxQueue } from '@telltale/notify';
 * const queue = outboxQueue(fileStore({ directory: './var/notify' }));
 * await queue.open();
 * const claimed = await queue.claim({ channel: 'email', limit: 4, leaseMs: 30_000, now: Date.now() });
 * ```
 */
export function outboxQueue(store: OutboxStore): DeliveryQueue {
  for (const method of ['load', 'save', 'remove', 'rememberKey', 'close'] as const) {
    if (typeof store?.[method] !== 'function')
      throw new TelltaleConfigError({ option: 'store', value: store, expected: 'an OutboxStore' });
  }
  const records = new Map<string, OutboxRecord>();
  const keys = new Map<string, IdempotencyEntry>();
  const leases = new Map<string, QueueLease>();
  /** Enqueues whose write is under way, by key. */
  const writing = new Map<string, Promise<void>>();

  /** The lease is still the holder's: same token (an expired one counts while nobody took it over). */
  const holds = (lease: QueueLease): boolean => leases.get(lease.id)?.token === lease.token;

  const byDue = (a: OutboxRecord, b: OutboxRecord): number => a.nextAttemptAt - b.nextAttemptAt;

  return {
    kind: 'delivery-queue',
    name: 'outbox',
    async open() {
      const snapshot = await store.load();
      for (const entry of snapshot.idempotencyKeys) keys.set(entry.key, { ...entry });
      for (const record of snapshot.records) records.set(record.id, record);
    },
    async enqueue(entry, added, now) {
      // A concurrent enqueue of the key waits for its write: a duplicate once it is stored, the
      // first itself if the write failed (never the duplicate of a message that was not stored).
      for (let other = writing.get(entry.key); other; other = writing.get(entry.key)) await other.catch(() => {});
      const existing = keys.get(entry.key);
      if (existing && existing.expiresAt > now) return { duplicate: true, existing };
      keys.set(entry.key, { ...entry });
      const write = (async () => {
        try {
          await Promise.all([store.rememberKey(entry), ...added.map((record) => store.save(record))]);
        } catch (error) {
          // Nothing of a failed enqueue may survive: the key expired again, the records removed.
          keys.delete(entry.key);
          await Promise.allSettled([
            store.rememberKey({ ...entry, expiresAt: now }),
            ...added.map((record) => store.remove(record.id)),
          ]);
          throw error;
        }
        for (const record of added) records.set(record.id, { ...record });
      })();
      writing.set(entry.key, write);
      try {
        await write;
      } finally {
        if (writing.get(entry.key) === write) writing.delete(entry.key);
      }
      return { duplicate: false };
    },
    async add(added) {
      await Promise.all(added.map((record) => store.save(record)));
      for (const record of added) records.set(record.id, { ...record });
    },
    claim({ channel, limit, leaseMs, now }) {
      const due = [...records.values()]
        .filter((record) => {
          if (record.channel !== channel || record.state !== 'pending' || record.nextAttemptAt > now) return false;
          const lease = leases.get(record.id);
          return lease === undefined || lease.expiresAt <= now;
        })
        .sort(byDue)
        .slice(0, limit);
      return Promise.resolve(
        due.map((record): ClaimedDelivery => {
          const lease = { id: record.id, channel, token: randomUUID(), expiresAt: now + leaseMs };
          leases.set(record.id, lease);
          return { record: { ...record }, lease };
        }),
      );
    },
    renew(held, leaseMs, now) {
      const renewed: QueueLease[] = [];
      for (const lease of held) {
        if (!holds(lease)) continue;
        const extended = { ...lease, expiresAt: now + leaseMs };
        leases.set(lease.id, extended);
        renewed.push(extended);
      }
      return Promise.resolve(renewed);
    },
    async acknowledge(lease) {
      if (!holds(lease)) return false;
      leases.delete(lease.id);
      records.delete(lease.id);
      await store.remove(lease.id);
      return true;
    },
    async release(lease, record, at) {
      if (!holds(lease)) return false;
      const updated: OutboxRecord = { ...record, state: 'pending', nextAttemptAt: at };
      await store.save(updated);
      records.set(record.id, updated);
      leases.delete(lease.id);
      return true;
    },
    async deadLetter(lease, record) {
      if (!holds(lease)) return false;
      const dead: OutboxRecord = { ...record, state: 'dead', deadAt: record.deadAt ?? Date.now() };
      await store.save(dead);
      records.set(record.id, dead);
      leases.delete(lease.id);
      return true;
    },
    list({ state, channel }) {
      return Promise.resolve(
        [...records.values()]
          .filter((record) => record.state === state && (channel === undefined || record.channel === channel))
          .sort((a, b) => (state === 'dead' ? (a.deadAt ?? 0) - (b.deadAt ?? 0) : byDue(a, b)))
          .map((record) => ({ ...record })),
      );
    },
    async redrive({ channel, ids }, now) {
      const wanted = ids === undefined ? undefined : new Set(ids);
      const chosen = [...records.values()].filter(
        (record) =>
          record.state === 'dead' &&
          (channel === undefined || record.channel === channel) &&
          (wanted === undefined || wanted.has(record.id)),
      );
      await Promise.all(
        chosen.map((record) => {
          const revived: OutboxRecord = {
            ...record,
            state: 'pending',
            attempts: 0,
            enqueuedAt: now,
            nextAttemptAt: now,
          };
          delete revived.deadAt;
          records.set(record.id, revived);
          return store.save(revived);
        }),
      );
      return chosen.length;
    },
    status(ids) {
      const result: Record<string, 'pending' | 'dead' | 'done'> = {};
      for (const id of ids) result[id] = records.get(id)?.state ?? 'done';
      return Promise.resolve(result);
    },
    close: () => store.close(),
  };
}
