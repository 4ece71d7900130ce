import {
  memoryStore,
  outboxQueue,
  type ChannelThrottle,
  type DeliveryQueue,
  type NotifierOptions,
  type OutboxStore,
  type SharedRateLimit,
} from '@telltale/notify';

// The notifier takes another code path when its store is a shared DeliveryQueue (the Redis
// store): it claims due work under leases from a feed, holds nothing it has not claimed, and
// draws rate-limit tokens and 429 pauses from the queue's throttle. This adapter presents an
// in-memory store as such a queue, with a throttle like the Redis one (a token bucket per
// channel, and a pause that stops claims and tokens), so the behaviour suites can run over
// that path without Redis. Every decision uses the `now` it is given: a suite's manual clock.

interface Bucket {
  tokens: number;
  at: number;
}

/** A channel throttle kept in memory, with the semantics of the Redis store's. */
export function memoryThrottle(): ChannelThrottle & { pausedUntil(channel: string): number } {
  const buckets = new Map<string, Bucket>();
  const pauses = new Map<string, number>();
  const pausedUntil = (channel: string): number => pauses.get(channel) ?? 0;
  return {
    pausedUntil,
    acquire(channel: string, limit: SharedRateLimit | undefined, now: number) {
      const paused = pausedUntil(channel);
      if (paused > now) return Promise.resolve(paused - now);
      if (limit === undefined) return Promise.resolve(0);
      const bucket = buckets.get(channel) ?? { tokens: limit.burst, at: now };
      buckets.set(channel, bucket);
      if (now > bucket.at) {
        bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
        bucket.at = now;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return Promise.resolve(0);
      }
      return Promise.resolve(Math.max(1, Math.ceil(((1 - bucket.tokens) / limit.perSecond) * 1000)));
    },
    pause(channel: string, until: number) {
      if (until > pausedUntil(channel)) pauses.set(channel, until);
      return Promise.resolve();
    },
  };
}

/**
 * `outboxQueue(store)` presented as a shared queue: with a throttle, and no claims while the
 * channel is paused. `store` defaults to a fresh `memoryStore()`.
 */
export function sharedMemoryQueue(store: OutboxStore = memoryStore()): DeliveryQueue {
  const queue = outboxQueue(store);
  const throttle = memoryThrottle();
  return {
    ...queue,
    name: 'shared-memory',
    throttle,
    claim(options) {
      if (throttle.pausedUntil(options.channel) > options.now) return Promise.resolve([]);
      return queue.claim(options);
    },
  };
}

/** One way the notifier keeps its deliveries; the behaviour suites run over each. */
export interface DeliveryPath {
  readonly name: string;
  /** The notifier options selecting this path; over `store` when given (a restart test). */
  options(store?: OutboxStore): Pick<NotifierOptions, 'store'>;
}

/** The notifier's in-process store (its default), and the shared-queue path over memory. */
export const DELIVERY_PATHS: readonly DeliveryPath[] = [
  { name: 'in-process store', options: (store) => (store === undefined ? {} : { store }) },
  { name: 'shared queue', options: (store) => ({ store: sharedMemoryQueue(store) }) },
];
