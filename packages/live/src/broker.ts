import type { Disposable } from '@telltale/core';

/**
 * A broker subscription. `ready` (when present) resolves once events
 * published from now on are certain to arrive, so a resume can read the
 * history after it without a gap.
 *
 * @example
 * ```ts
 * import type { BrokerSubscription } from '@telltale/live';
 * const subscription: BrokerSubscription = broker.subscribe('jobs/1', onMessage);
 * await subscription.ready;
 * subscription.dispose();
 * ```
 */
export interface BrokerSubscription extends Disposable {
  readonly ready?: Promise<void>;
}

/**
 * One event of a topic as clients receive it: a per-topic id that only goes
 * up, a type (the SSE `event:` field) and JSON data.
 *
 * @example
 * ```ts
 * import type { LiveEvent } from '@telltale/live';
 * const event: LiveEvent = { id: 7, type: 'progress', data: { percent: 40 } };
 * ```
 */
export interface LiveEvent {
  readonly id: number;
  readonly type: string;
  readonly data: unknown;
}

/**
 * An event as a broker stores and carries it: {@link LiveEvent} plus when it
 * was published (epoch milliseconds), for the delivery-latency metric.
 *
 * @example
 * ```ts
 * import type { BrokerEvent } from '@telltale/live';
 * const event: BrokerEvent = { id: 1, type: 'message', data: 'hi', publishedAt: Date.now() };
 * ```
 */
export interface BrokerEvent extends LiveEvent {
  readonly publishedAt: number;
  /** `data` already serialised, when the broker has it (saves one `JSON.stringify`). */
  readonly dataJson?: string;
}

/**
 * What a broker subscription receives: an event of the topic, or the end of
 * the topic (`hub.end(topic)` on any instance).
 *
 * @example
 * ```ts
 * import type { BrokerMessage } from '@telltale/live';
 * const onMessage = (message: BrokerMessage) => (message.kind === 'end' ? 'closed' : message.event.id);
 * ```
 */
export type BrokerMessage = { readonly kind: 'event'; readonly event: BrokerEvent } | { readonly kind: 'end' };

/**
 * A topic's stored history after some id, and the topic's latest id (0 when
 * the topic has no events). `truncated` is true when events after `afterId`
 * have already left the bounded history.
 *
 * @example
 * ```ts
 * import type { TopicHistory } from '@telltale/live';
 * const empty: TopicHistory = { events: [], lastId: 0, truncated: false };
 * ```
 */
export interface TopicHistory {
  readonly events: readonly BrokerEvent[];
  readonly lastId: number;
  readonly truncated: boolean;
}

/**
 * What to publish: the hub fills in `publishedAt`; the broker assigns the id.
 *
 * @example
 * ```ts
 * import type { BrokerPublication } from '@telltale/live';
 * const data = { percent: 10 };
 * const publication: BrokerPublication = { type: 'progress', data, dataJson: JSON.stringify(data), publishedAt: Date.now(), minimumId: 0 };
 * ```
 */
export interface BrokerPublication {
  readonly type: string;
  readonly data: unknown;
  readonly publishedAt: number;
  /** `JSON.stringify(data)`, done once by the hub. */
  readonly dataJson: string;
  /**
   * The highest id this instance has seen on the topic: the broker assigns a
   * larger one, so ids keep going up even if the shared store lost its data.
   */
  readonly minimumId: number;
}

/**
 * Counts connections per key across every instance that shares a broker,
 * so `maxConnectionsPerKey` holds for the fleet rather than per process.
 * Optional on a {@link LiveBroker}: without it the caps count per instance.
 *
 * @example
 * ```ts
 * import type { ConnectionCounter } from '@telltale/live';
 * async function tryOpen(counter: ConnectionCounter, key: string) {
 *   if (!(await counter.acquire(key, 3))) return 'refused';
 *   return { close: () => counter.release(key) };
 * }
 * ```
 */
export interface ConnectionCounter {
  /**
   * Takes one of `limit` slots of `key` when fewer are held across all
   * instances; resolves false when they are all taken. Rejects with
   * `TELLTALE_LIVE_BROKER_UNAVAILABLE` when the shared store is down (the
   * hub then admits on its own per-instance count).
   */
  acquire(key: string, limit: number): Promise<boolean>;
  /** Gives back a slot `acquire` took. Never throws; a failure is repaired by the counter. */
  release(key: string): void;
}

/**
 * The port between a live hub and whatever carries events between
 * instances. Delivery to subscribers (on every instance, including the
 * publishing one) goes through {@link LiveBroker.subscribe}, so all instances
 * see a topic's events in one order.
 *
 * `memoryBroker()` is the embedded default; `redisBroker()` from
 * `@telltale/live/redis` spans instances.
 *
 * @example
 * ```ts
 * import { memoryBroker, type LiveBroker } from '@telltale/live';
 * const broker: LiveBroker = memoryBroker({ history: 50 });
 * const subscription = broker.subscribe('jobs/1', (message) => console.log(message));
 * await broker.publish('jobs/1', { type: 'message', data: 1, dataJson: '1', publishedAt: Date.now(), minimumId: 0 });
 * subscription.dispose();
 * ```
 */
export interface LiveBroker {
  /**
   * Assigns the next id of `topic`, stores the event in the bounded history
   * and delivers it to every subscriber. Rejects with
   * `TELLTALE_LIVE_BROKER_UNAVAILABLE` when it cannot.
   */
  publish(topic: string, publication: BrokerPublication): Promise<BrokerEvent>;
  /** Receives the topic's events and its end, from every instance. */
  subscribe(topic: string, listener: (message: BrokerMessage) => void): BrokerSubscription;
  /** Stored events with an id greater than `afterId`, oldest first. */
  history(topic: string, afterId: number): Promise<TopicHistory>;
  /** Deletes the topic's history and tells every instance it ended. */
  end(topic: string): Promise<void>;
  /** Releases connections and timers. Brokers passed in by the app are closed by `hub.close()`. */
  close(): Promise<void>;
  /** Connection counts shared by every instance (the Redis broker has them). */
  readonly connections?: ConnectionCounter;
}
