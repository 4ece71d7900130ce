import type { DeliveryRecipient } from './channel.js';
import type { FailureClassification } from './errors.js';
import type { NormalizedMessage } from './message.js';

/**
 * The last error of a delivery, as stored (no secrets, no stack).
 *
 * @example
 * ```ts
 * const { classification, status, message } = notifier.deadLetters()[0]!.error;
 * ```
 */
export interface DeliveryErrorSummary {
  /** Human-readable reason (redacted). */
  message: string;
  /** Error code, usually `TELLTALE_NOTIFY_DELIVERY`. */
  code: string;
  /** How the failure was classified. */
  classification: FailureClassification;
  /** HTTP status or SMTP reply code. */
  status?: number;
  /** Provider error code. */
  providerCode?: string;
  /** When it happened, epoch milliseconds. */
  at: number;
}

/**
 * One (message, channel) delivery as kept by an {@link OutboxStore}. Plain JSON.
 *
 * @example
 * ```ts
 * await store.save({ ...record, state: 'dead', deadAt: Date.now() });
 * ```
 */
export interface OutboxRecord {
  /** Stable delivery id. */
  id: string;
  /** Id shared by the deliveries of one `send`. */
  messageId: string;
  /** Channel name in the notifier. */
  channel: string;
  /** Idempotency key of the `send` (a recipient's delivery derives its own from it and `recipient`). */
  idempotencyKey: string;
  /** The validated message. */
  message: NormalizedMessage;
  /** `pending` until delivered (then removed) or dead-lettered. */
  state: 'pending' | 'dead';
  /** Attempts counted against the retry budget (rate-limited attempts are not). */
  attempts: number;
  /** When accepted (or redriven), epoch milliseconds. */
  enqueuedAt: number;
  /** Earliest next attempt (a retry's backoff, or the end of quiet hours), epoch milliseconds. */
  nextAttemptAt: number;
  /** Set on a delivery to a named recipient: who, and their address on this channel. */
  recipient?: DeliveryRecipient;
  /** Last failure, if any. */
  lastError?: DeliveryErrorSummary;
  /** When dead-lettered. */
  deadAt?: number;
  /** Set on a fallback delivery: the channel that failed, why, and when. */
  fallbackFrom?: { channel: string; reason: string; at: number };
}

/**
 * An idempotency key remembered for the dedup window.
 *
 * @example
 * ```ts
 * await store.rememberKey({ key: 'k1', messageId: 'm1', channels: ['email'], expiresAt: Date.now() + 86_400_000 });
 * ```
 */
export interface IdempotencyEntry {
  key: string;
  messageId: string;
  channels: readonly string[];
  expiresAt: number;
}

/**
 * What a store hands back at start-up.
 *
 * @example
 * ```ts
 * const { records, idempotencyKeys } = await store.load();
 * ```
 */
export interface OutboxSnapshot {
  records: OutboxRecord[];
  idempotencyKeys: IdempotencyEntry[];
}

/**
 * Persistence port of the delivery queue. The notifier keeps its working set
 * in memory and writes every state change through the store before acting
 * on it, so a durable store (a file store, a database) only needs these
 * calls; at start-up `load()` returns what was pending or dead-lettered.
 * Implementations must tolerate `save` of an existing id (upsert) and
 * `remove` of an unknown id.
 *
 * @example
 * ```ts
 * import type { OutboxStore } from '@telltale/notify';
 * const rows = new Map();
 * const store: OutboxStore = {
 *   load: async () => ({ records: [...rows.values()], idempotencyKeys: [] }),
 *   save: async (record) => void rows.set(record.id, structuredClone(record)),
 *   remove: async (id) => void rows.delete(id),
 *   rememberKey: async () => {},
 *   close: async () => {},
 * };
 * ```
 */
export interface OutboxStore {
  /** Records and idempotency keys left by a previous run. Called once. */
  load(): Promise<OutboxSnapshot>;
  /** Inserts or replaces a record. */
  save(record: OutboxRecord): Promise<void>;
  /** Deletes a delivered record. */
  remove(id: string): Promise<void>;
  /** Remembers an idempotency key until `expiresAt` (expired keys may be dropped at will). */
  rememberKey(entry: IdempotencyEntry): Promise<void>;
  /** Flushes and releases resources. */
  close(): Promise<void>;
}

/**
 * The in-memory store, with inspection helpers for tests.
 *
 * @example
 * ```ts
 * const store = memoryStore();
 * store.records(); // pending and dead-lettered deliveries
 * ```
 */
export interface MemoryStore extends OutboxStore {
  /** Current records (copies). */
  records(): OutboxRecord[];
}

/**
 * A non-durable {@link OutboxStore}: pending deliveries are lost when the
 * process exits. The default; use a durable store where losing queued
 * notifications on restart matters. Two notifiers given the same memory
 * store in turn behave like a restart (the second loads what the first left).
 *
 * @example
 * ```ts
 * import { createNotifier, memoryChannel, memoryStore } from '@telltale/notify';
 * const store = memoryStore();
 * const notifier = createNotifier({ channels: { inbox: memoryChannel() }, store });
 * ```
 */
export function memoryStore(): MemoryStore {
  const rows = new Map<string, OutboxRecord>();
  const keys = new Map<string, IdempotencyEntry>();
  return {
    load: () =>
      Promise.resolve({
        records: [...rows.values()].map((record) => structuredClone(record)),
        idempotencyKeys: [...keys.values()],
      }),
    save(record) {
      // Records are plain JSON; a shallow copy suffices because the notifier never mutates messages.
      rows.set(record.id, { ...record });
      return Promise.resolve();
    },
    remove(id) {
      rows.delete(id);
      return Promise.resolve();
    },
    rememberKey(entry) {
      keys.set(entry.key, { ...entry });
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
    records: () => [...rows.values()].map((record) => ({ ...record })),
  };
}
