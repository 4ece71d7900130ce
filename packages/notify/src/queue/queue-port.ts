import type { IdempotencyEntry, OutboxRecord } from '../store.js';

/**
 * A claim on one delivery, held until `expiresAt`. Only the holder of the
 * `token` may acknowledge, release or dead-letter it; once the lease has
 * expired another consumer may claim the delivery again (at-least-once).
 *
 * @example
 * ```ts
 * const [claimed] = await queue.claim({ channel: 'ops', limit: 1, leaseMs: 30_000, now: Date.now() });
 * if (claimed) await queue.acknowledge(claimed.lease);
 * ```
 */
export interface QueueLease {
  /** The delivery id. */
  id: string;
  /** The delivery's channel. */
  channel: string;
  /** Identifies this claim; a later claim of the same delivery gets another. */
  token: string;
  /** Epoch milliseconds after which the claim may be taken over. */
  expiresAt: number;
}

/**
 * A delivery handed out by {@link DeliveryQueue.claim}.
 *
 * @example
 * ```ts
 * for (const { record, lease } of await queue.claim({ channel: 'ops', limit: 4, leaseMs: 30_000, now })) {
 *   await deliver(record);
 *   await queue.acknowledge(lease);
 * }
 * ```
 */
export interface ClaimedDelivery {
  record: OutboxRecord;
  lease: QueueLease;
}

/**
 * What {@link DeliveryQueue.enqueue} did: stored the records under a newly
 * reserved key, or found the key reserved within its dedup window (then
 * nothing was stored).
 *
 * @example
 * ```ts
 * const result = await queue.enqueue(entry, records, Date.now());
 * if (result.duplicate) console.info('already sent as', result.existing.messageId);
 * ```
 */
export type EnqueueResult = { duplicate: false } | { duplicate: true; existing: IdempotencyEntry };

/**
 * Options of {@link DeliveryQueue.claim}.
 *
 * @example
 * ```ts
 * const options: ClaimOptions = { channel: 'email', limit: 8, leaseMs: 60_000, now: Date.now() };
 * ```
 */
export interface ClaimOptions {
  channel: string;
  /** Most deliveries to hand out. */
  limit: number;
  /** How long the claims hold. */
  leaseMs: number;
  /** Epoch milliseconds: only deliveries due by then (`nextAttemptAt <= now`) are handed out. */
  now: number;
}

/**
 * A channel's rate limit, as the queue applies it.
 *
 * @example
 * ```ts
 * const limit: SharedRateLimit = { perSecond: 1, burst: 1 };
 * ```
 */
export interface SharedRateLimit {
  perSecond: number;
  burst: number;
}

/**
 * Rate limits and provider pauses kept by the queue, so that every consumer
 * of one queue (every replica) shares them.
 *
 * @example
 * ```ts
 * const wait = await queue.throttle.acquire('ops', { perSecond: 1, burst: 1 }, Date.now());
 * if (wait > 0) await sleep(wait); // then ask again
 * ```
 */
export interface ChannelThrottle {
  /** Takes one token of `channel`'s bucket: 0 when taken, else milliseconds until one may be (or the pause ends). */
  acquire(channel: string, limit: SharedRateLimit | undefined, now: number): Promise<number>;
  /** Pauses `channel` for every consumer until `until` (a provider's 429 / `Retry-After`). */
  pause(channel: string, until: number): Promise<void>;
}

/**
 * The delivery queue port: the outbox as a queue with leases. `enqueue`
 * reserves the send's idempotency key for its dedup window and stores its
 * deliveries in one step; consumers `claim` due deliveries with a lease and
 * end each claim with `acknowledge` (delivered), `release` (retry at a time)
 * or `deadLetter`; `list` and `redrive` serve the dead letters. A queue
 * shared by several processes (the Redis store) hands each due delivery to
 * one claimant at a time, and an expired lease (a crashed consumer) makes it
 * claimable again. `outboxQueue(store)` implements the port over any
 * {@link OutboxStore} (memory, file or your own) for one process.
 *
 * @example
 * ```ts
 * import { createNotifier } from '@telltale/notify';
 * import { redisStore } from '@telltale/notify/redis';
 * const queue: DeliveryQueue = redisStore({ url: 'redis://127.0.0.1:6379' });
 * const notifier = createNotifier({ channels, store: queue });
 * ```
 */
export interface DeliveryQueue {
  /** Marks the object as a queue (an `OutboxStore` has no such field). */
  readonly kind: 'delivery-queue';
  /** A short name for errors and logs, e.g. `'redis'`. */
  readonly name: string;
  /** Prepares the queue (loads a file, connects); called once before anything else. */
  open(): Promise<void>;
  /**
   * Reserves `entry.key` until `entry.expiresAt` and stores `records` atomically: pending ones due at
   * their `nextAttemptAt`, any with `state: 'dead'` (a disabled channel) straight to the dead letters.
   */
  enqueue(entry: IdempotencyEntry, records: readonly OutboxRecord[], now: number): Promise<EnqueueResult>;
  /** Adds deliveries without a key of their own (a fallback's copy). */
  add(records: readonly OutboxRecord[]): Promise<void>;
  /** Hands out up to `limit` due deliveries of a channel, oldest due first, each leased. */
  claim(options: ClaimOptions): Promise<ClaimedDelivery[]>;
  /**
   * Extends claims still held to `now + leaseMs` (a delivery waiting for its rate limit or a slow
   * provider must not be taken over); returns the leases renewed, leaving out those already lost.
   */
  renew(leases: readonly QueueLease[], leaseMs: number, now: number): Promise<QueueLease[]>;
  /** Ends a claim: delivered, removed. False when the lease was lost (expired and claimed by another). */
  acknowledge(lease: QueueLease): Promise<boolean>;
  /** Ends a claim: stores `record` (attempts, last error) and makes it due again at `at`. False when the lease was lost. */
  release(lease: QueueLease, record: OutboxRecord, at: number): Promise<boolean>;
  /** Ends a claim: stores `record` as dead-lettered. False when the lease was lost. */
  deadLetter(lease: QueueLease, record: OutboxRecord): Promise<boolean>;
  /** Pending or dead-lettered deliveries, oldest first. */
  list(filter: { state: 'pending' | 'dead'; channel?: string }): Promise<OutboxRecord[]>;
  /** Moves dead letters (all, a channel's, or the given ids) back to pending with a fresh budget; returns how many. */
  redrive(filter: { channel?: string; ids?: readonly string[] }, now: number): Promise<number>;
  /** Which of these deliveries are still `pending`, `dead`, or `done` (acknowledged or unknown). */
  status(ids: readonly string[]): Promise<Record<string, 'pending' | 'dead' | 'done'>>;
  /** How long the notifier's claims hold (default 60 s): longer than any delivery may take. */
  readonly leaseMs?: number;
  /** Shared rate limits and pauses; absent on a single-process queue (the notifier keeps them itself). */
  readonly throttle?: ChannelThrottle;
  /** Releases resources (connections, file handles). */
  close(): Promise<void>;
}

/** True for a {@link DeliveryQueue} (rather than an `OutboxStore`). */
export function isDeliveryQueue(value: unknown): value is DeliveryQueue {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'delivery-queue';
}
