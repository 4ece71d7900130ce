import { options as validate, systemClock, type Clock, type DurationInput } from '@telltale/core';
import type { BrokerEvent, BrokerMessage, BrokerSubscription, LiveBroker, TopicHistory } from './broker.js';

/**
 * Options of {@link memoryBroker}.
 *
 * @example
 * ```ts
 * import type { MemoryBrokerOptions } from '@telltale/live';
 * const options: MemoryBrokerOptions = { history: 100, historyTtl: '1h', maxTopics: 10_000 };
 * ```
 */
export interface MemoryBrokerOptions {
  /** Events kept per topic for resume. Default 100. */
  history?: number;
  /** A topic with no event for this long is forgotten. Default `'1h'`. */
  historyTtl?: DurationInput;
  /** Topics remembered at most; the least recently published is forgotten first. Default 10,000. */
  maxTopics?: number;
  clock?: Clock;
}

interface TopicState {
  lastId: number;
  events: BrokerEvent[];
  touchedAt: number;
}

/**
 * The in-process broker: the embedded default of `createLiveHub`. Hubs in
 * one process may share it. Memory is bounded by `history × maxTopics`, and
 * topics expire `historyTtl` after their last event.
 *
 * @example
 * ```ts
 * import { createLiveHub, memoryBroker } from '@telltale/live';
 * const hub = createLiveHub({
 *   broker: memoryBroker({ history: 20 }),
 *   authorize: () => ({ allow: true, key: 'anonymous' }),
 * });
 * ```
 */
export function memoryBroker(options: MemoryBrokerOptions = {}): LiveBroker {
  const historySize = validate.positiveInteger('history', options.history, 100);
  const ttl = validate.duration('historyTtl', options.historyTtl, '1h');
  const maxTopics = validate.positiveInteger('maxTopics', options.maxTopics, 10_000);
  const clock = options.clock ?? systemClock;
  // Map order is recency order: a publish re-inserts its topic at the end.
  const topics = new Map<string, TopicState>();
  const listeners = new Map<string, Set<(message: BrokerMessage) => void>>();

  const expire = (now: number): void => {
    for (const [topic, state] of topics) {
      if (topics.size <= maxTopics && now - state.touchedAt < ttl) break;
      topics.delete(topic);
    }
  };

  const emit = (topic: string, message: BrokerMessage): void => {
    const set = listeners.get(topic);
    if (!set) return;
    for (const listener of [...set]) listener(message);
  };

  return {
    publish(topic, publication) {
      const now = clock.now();
      const state = topics.get(topic) ?? { lastId: 0, events: [], touchedAt: now };
      topics.delete(topic);
      topics.set(topic, state);
      state.touchedAt = now;
      state.lastId = Math.max(state.lastId, publication.minimumId) + 1;
      const event: BrokerEvent = {
        id: state.lastId,
        type: publication.type,
        data: publication.data,
        dataJson: publication.dataJson,
        publishedAt: publication.publishedAt,
      };
      state.events.push(event);
      if (state.events.length > historySize) state.events.splice(0, state.events.length - historySize);
      expire(now);
      emit(topic, { kind: 'event', event });
      return Promise.resolve(event);
    },
    subscribe(topic, listener): BrokerSubscription {
      let set = listeners.get(topic);
      if (!set) listeners.set(topic, (set = new Set()));
      set.add(listener);
      return {
        dispose() {
          set.delete(listener);
          if (set.size === 0 && listeners.get(topic) === set) listeners.delete(topic);
        },
      };
    },
    history(topic, afterId): Promise<TopicHistory> {
      expire(clock.now());
      const state = topics.get(topic);
      if (!state) return Promise.resolve({ events: [], lastId: 0, truncated: false });
      const events = state.events.filter((event) => event.id > afterId);
      const oldest = state.events[0]?.id ?? state.lastId + 1;
      return Promise.resolve({
        events,
        lastId: state.lastId,
        truncated: afterId + 1 < oldest && afterId < state.lastId,
      });
    },
    end(topic) {
      topics.delete(topic);
      emit(topic, { kind: 'end' });
      return Promise.resolve();
    },
    close() {
      topics.clear();
      listeners.clear();
      return Promise.resolve();
    },
  };
}
