import {
  options as validate,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Clock,
  type Disposable,
  type DurationInput,
  type Logger,
  type TimerHandle,
} from '@telltale/core';
import type { LiveHub } from './create-live-hub.js';
import { jobStatusMessage, type LiveFeedMessage } from './job-status.js';

/**
 * Anything with an `onEvent(listener)` that returns a disposable, such as
 * `@telltale/jobs`' runner.
 *
 * @example
 * ```ts
 * import type { LiveFeedSource } from '@telltale/live';
 * const source: LiveFeedSource<{ type: string; id: string }> = jobs;
 * ```
 */
export interface LiveFeedSource<E> {
  onEvent(listener: (event: E) => void): Disposable;
}

/**
 * Options of {@link liveFeed}.
 *
 * @example
 * ```ts
 * import type { LiveFeedOptions } from '@telltale/live';
 * const options: LiveFeedOptions<{ type: string; id: string }> = { topic: (event) => `jobs/${event.id}`, endAfter: '30s' };
 * ```
 */
export interface LiveFeedOptions<E> {
  /** The topic of an event, or `undefined` to skip it. */
  topic: (event: E) => string | undefined;
  /** The message to publish, or `undefined` to skip the event. Default: {@link jobStatusMessage}. */
  message?: (event: E) => LiveFeedMessage | undefined;
  /**
   * After a final message, the topic is ended (`hub.end`, which deletes its
   * history) this much later, so a late subscriber still gets the final status
   * as its replay. A new event on the topic meanwhile cancels the end.
   * `false` never ends topics. Default `'30s'`.
   */
  endAfter?: DurationInput | false;
  clock?: Clock;
  logger?: Partial<Logger>;
}

/**
 * A running feed. `dispose()` stops listening; `close()` also ends the topics
 * waiting for their grace period now and resolves once every publication and
 * end has settled.
 *
 * @example
 * ```ts
 * import type { LiveFeed } from '@telltale/live';
 * async function stop(feed: LiveFeed) {
 *   await feed.close();
 * }
 * ```
 */
export interface LiveFeed extends Disposable {
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Publishes a source's events to live topics, in order per topic: job status
 * to `jobs/<id>` in one line. Publication failures are logged, never thrown
 * into the source. The grace timer before `hub.end` is a background one.
 *
 * @example
 * ```ts
 * import { createJobs } from '@telltale/jobs';
 * import { createLiveHub, liveFeed } from '@telltale/live';
 *
 * const jobs = createJobs({ types: { transcribe: { handler: transcribe } } });
 * const hub = createLiveHub({ topics: ['jobs/:id'], authorize });
 * const feed = liveFeed(jobs, hub, { topic: (event) => `jobs/${event.id}` });
 * // GET /live/jobs/<id>: queued, started, progress…, then completed | failed | cancelled, then end
 * await feed.close();
 * ```
 */
export function liveFeed<E>(
  source: LiveFeedSource<E>,
  hub: Pick<LiveHub, 'publish' | 'end'>,
  options: LiveFeedOptions<E>,
): LiveFeed {
  const given = validate.object('options', options);
  const topicOf = validate.optionalFunction<(event: E) => string | undefined>('topic', given.topic);
  if (!topicOf) throw new TelltaleConfigError({ option: 'topic', value: undefined, expected: 'a function' });
  const messageOf =
    validate.optionalFunction<(event: E) => LiveFeedMessage | undefined>('message', given.message) ??
    (jobStatusMessage as (event: E) => LiveFeedMessage | undefined);
  const endAfter = given.endAfter === false ? false : validate.duration('endAfter', given.endAfter, '30s');
  const clock = given.clock ?? systemClock;
  const logger: Logger = resolveLogger(given.logger);
  if (typeof source?.onEvent !== 'function') {
    throw new TelltaleConfigError({ option: 'source', value: source, expected: 'an object with onEvent(listener)' });
  }

  // One promise chain per topic keeps its events in order across an async broker.
  const chains = new Map<string, Promise<void>>();
  const endTimers = new Map<string, TimerHandle>();
  let closing: Promise<void> | undefined;

  const enqueue = (topic: string, work: () => Promise<unknown>, what: string): void => {
    const previous = chains.get(topic) ?? Promise.resolve();
    const next = previous
      .then(work)
      .then(
        () => undefined,
        (error: unknown) => logger.warn({ err: error, topic }, `live feed: ${what} failed`),
      )
      .finally(() => {
        if (chains.get(topic) === next) chains.delete(topic);
      });
    chains.set(topic, next);
  };

  const cancelEnd = (topic: string): void => {
    const timer = endTimers.get(topic);
    if (timer === undefined) return;
    clock.clearTimeout(timer);
    endTimers.delete(topic);
  };

  const endNow = (topic: string): void => {
    cancelEnd(topic);
    enqueue(topic, () => hub.end(topic), 'end');
  };

  const onEvent = (event: E): void => {
    if (closing) return;
    let topic: string | undefined;
    let message: LiveFeedMessage | undefined;
    try {
      topic = topicOf(event);
      message = topic === undefined ? undefined : messageOf(event);
    } catch (error) {
      logger.warn({ err: error }, 'live feed: topic or message mapping threw');
      return;
    }
    if (topic === undefined || message === undefined) return;
    const target = topic;
    cancelEnd(target);
    const { type, data } = message;
    enqueue(target, () => hub.publish(target, type === undefined ? { data } : { type, data }), 'publish');
    if (message.final === true && endAfter !== false) {
      endTimers.set(
        target,
        clock.setTimeout(() => endNow(target), endAfter, { background: true }),
      );
    }
  };

  const subscription = source.onEvent(onEvent);
  const feed: LiveFeed = {
    dispose() {
      subscription.dispose();
      for (const topic of [...endTimers.keys()]) cancelEnd(topic);
    },
    close() {
      closing ??= (async () => {
        subscription.dispose();
        for (const topic of [...endTimers.keys()]) endNow(topic);
        while (chains.size > 0) await Promise.all([...chains.values()]);
      })();
      return closing;
    },
    [Symbol.asyncDispose]: () => feed.close(),
  };
  return feed;
}
