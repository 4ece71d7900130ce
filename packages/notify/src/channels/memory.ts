import { options as check } from '@telltale/core';
import type { Delivery, DeliveryResult, NotificationChannel, RateLimit } from '../channel.js';

/**
 * Options of {@link memoryChannel}.
 *
 * @example
 * ```ts
 * memoryChannel({ addressesPeople: true, behavior: () => { throw new NotifyDeliveryError('down', { classification: 'retryable', provider: 'memory' }); } });
 * ```
 */
export interface MemoryChannelOptions {
  /** Pretend to address people (like email), so `send` requires `to`. Default false. */
  addressesPeople?: boolean;
  /**
   * Called before each attempt; throw (e.g. a `NotifyDeliveryError`) to
   * simulate a provider failure, or return a promise to simulate latency.
   */
  behavior?: (delivery: Delivery, options: { signal: AbortSignal }) => void | Promise<void>;
  /** Rate limit to advertise. */
  rateLimit?: RateLimit;
  /** Concurrency to advertise. */
  concurrency?: number;
}

/**
 * An in-memory channel that records what it delivered.
 *
 * @example
 * ```ts
 * const inbox: MemoryChannel = memoryChannel();
 * inbox.delivered.length; // 0
 * ```
 */
export interface MemoryChannel extends NotificationChannel {
  /** Every successful delivery, in order. */
  readonly delivered: Delivery[];
  /** Every attempt, successful or not. */
  readonly attempts: Delivery[];
  /** Forgets recorded deliveries and attempts. */
  clear(): void;
}

/**
 * A channel for tests and examples: records deliveries in memory and can
 * simulate failures and latency.
 *
 * @example
 * ```ts
 * import { createNotifier, memoryChannel } from '@telltale/notify';
 * const inbox = memoryChannel();
 * const notifier = createNotifier({ channels: { inbox } });
 * await notifier.send({ subject: 'Hello' }, { await: 'delivered' });
 * inbox.delivered[0]?.message.subject; // 'Hello'
 * ```
 */
export function memoryChannel(options: MemoryChannelOptions = {}): MemoryChannel {
  check.object('memoryChannel', options);
  const behavior = check.optionalFunction<NonNullable<MemoryChannelOptions['behavior']>>(
    'memoryChannel.behavior',
    options.behavior,
  );
  const delivered: Delivery[] = [];
  const attempts: Delivery[] = [];
  return {
    kind: 'memory',
    addressesPeople: options.addressesPeople ?? false,
    rateLimit: options.rateLimit,
    concurrency:
      options.concurrency === undefined
        ? undefined
        : check.positiveInteger('memoryChannel.concurrency', options.concurrency),
    delivered,
    attempts,
    async deliver(delivery: Delivery, deliverOptions): Promise<DeliveryResult> {
      attempts.push(delivery);
      if (behavior) await behavior(delivery, deliverOptions);
      delivered.push(delivery);
      return { providerMessageId: `memory-${delivered.length}` };
    },
    clear() {
      delivered.length = 0;
      attempts.length = 0;
    },
  };
}
