import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import {
  options as validate,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  TelltaleError,
  type Clock,
  type DurationInput,
  type Logger,
} from '@telltale/core';
import type { BrokerEvent, BrokerMessage, BrokerSubscription, LiveBroker, TopicHistory } from '../broker.js';
import { LIVE_ERROR_CODES } from '../errors.js';
import { redisConnectionCounter } from './connection-counter.js';
import { entryTail, parseEntry } from './entry.js';
import { END_MESSAGE, PUBLISH_SCRIPT, topicKeys } from './scripts.js';

/**
 * Options of {@link redisBroker}: `url` (the broker owns its connections) or
 * `client` (yours; the broker duplicates it for pub/sub and never quits it).
 *
 * @example
 * ```ts
 * import type { RedisBrokerOptions } from '@telltale/live/redis';
 * const options: RedisBrokerOptions = { url: 'redis://127.0.0.1:6379', history: 100, historyTtl: '1h' };
 * ```
 */
export interface RedisBrokerOptions {
  url?: string;
  client?: Redis;
  /** Prefix of every key and channel. Default `'telltale:live:'`. */
  prefix?: string;
  /** Events kept per topic for resume (a capped list). Default 100. */
  history?: number;
  /** Keys of a topic with no event for this long expire. Default `'1h'`. */
  historyTtl?: DurationInput;
  /** A publish or history read that takes longer fails (the hub then delivers locally). Default `'2s'`. */
  commandTimeout?: DurationInput;
  /**
   * How long an instance's connection counts (`maxConnectionsPerKey`, counted
   * across instances) outlive it when it dies without closing; it refreshes
   * them every third of this. Default `'30s'`.
   */
  connectionLeaseTtl?: DurationInput;
  logger?: Partial<Logger>;
  clock?: Clock;
}

type Listener = (message: BrokerMessage) => void;
type PublishCommand = (counter: string, history: string, ...args: (string | number)[]) => Promise<number>;

const ERROR_LOG_INTERVAL = 10_000;

/**
 * A broker on Redis for hubs on several instances: ids from a per-topic
 * counter, resume history in a capped list, delivery through pub/sub on a
 * dedicated connection that resubscribes by itself after Redis returns, and
 * TTLs plus `end(topic)` so Redis does not grow without bound, and
 * `maxConnectionsPerKey` counted across instances (per-instance leases that
 * expire when an instance dies). While Redis is
 * down, `publish` rejects at once with `TELLTALE_LIVE_BROKER_UNAVAILABLE`
 * (the hub then delivers on its own instance) instead of queueing.
 *
 * @example
 * ```ts
 * import { createLiveHub } from '@telltale/live';
 * import { redisBroker } from '@telltale/live/redis';
 *
 * const hub = createLiveHub({
 *   broker: redisBroker({ url: process.env.REDIS_URL }),
 *   authorize: () => ({ allow: true, key: 'anonymous' }),
 * });
 * ```
 */
export function redisBroker(options: RedisBrokerOptions): LiveBroker {
  const given = validate.object('options', options);
  if ((given.url === undefined) === (given.client === undefined)) {
    throw new TelltaleConfigError({ option: 'url', value: given.url, expected: 'exactly one of "url" or "client"' });
  }
  if (given.url !== undefined) validate.nonEmptyString('url', given.url);
  const prefix = validate.nonEmptyString('prefix', given.prefix, 'telltale:live:');
  const historySize = validate.positiveInteger('history', given.history, 100);
  const ttlSeconds = Math.max(1, Math.ceil(validate.duration('historyTtl', given.historyTtl, '1h') / 1000));
  const commandTimeout = validate.duration('commandTimeout', given.commandTimeout, '2s');
  const leaseTtl = validate.duration('connectionLeaseTtl', given.connectionLeaseTtl, '30s');
  if (leaseTtl < 100) {
    throw new TelltaleConfigError({
      option: 'connectionLeaseTtl',
      value: given.connectionLeaseTtl,
      expected: 'a duration >= 100ms',
    });
  }
  const logger = resolveLogger(given.logger);
  const clock = given.clock ?? systemClock;

  const ownOptions: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: 'telltale-live',
  };
  const client = given.client ?? new Redis(given.url!, ownOptions);
  const subscriber = client.duplicate({
    enableOfflineQueue: true,
    autoResubscribe: true,
    maxRetriesPerRequest: null,
    connectionName: 'telltale-live-subscriber',
  });
  client.defineCommand('telltaleLivePublish', { numberOfKeys: 2, lua: PUBLISH_SCRIPT });
  const publishCommand = (client as unknown as { telltaleLivePublish: PublishCommand }).telltaleLivePublish.bind(
    client,
  );

  let lastErrorLog = -Infinity;
  const onError = (error: Error): void => {
    const now = clock.now();
    if (now - lastErrorLog < ERROR_LOG_INTERVAL) return;
    lastErrorLog = now;
    logger.warn({ err: error }, 'live: redis connection error (retrying)');
  };
  if (!given.client) client.on('error', onError);
  subscriber.on('error', onError);

  const listeners = new Map<string, { topic: string; set: Set<Listener>; ready: Promise<void> }>();
  // A SUBSCRIBE sent while ioredis is still connecting resolves, yet its
  // messages are never delivered (seen under load): subscribe once ready.
  const subscriberReady = (): Promise<unknown> =>
    subscriber.status === 'ready' ? Promise.resolve() : new Promise((resolve) => subscriber.once('ready', resolve));
  subscriber.on('message', (channel: string, text: string) => {
    const entry = listeners.get(channel);
    if (!entry) return;
    let message: BrokerMessage;
    if (text === END_MESSAGE) message = { kind: 'end' };
    else {
      const event = parseEntry(text);
      if (!event) return logger.warn({ topic: entry.topic }, 'live: ignored a malformed message');
      message = { kind: 'event', event };
    }
    for (const listener of [...entry.set]) listener(message);
  });

  let everReady = client.status === 'ready';
  client.once('ready', () => {
    everReady = true;
  });

  // Bounds a command; before the first connection it waits for it, later it fails fast.
  const command = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => reject(unavailable(operation, new Error('timed out'))), commandTimeout);
    });
    try {
      if (!everReady && client.status !== 'ready') {
        await Promise.race([new Promise((resolve) => client.once('ready', resolve)), deadline]);
      }
      return await Promise.race([run(), deadline]);
    } catch (error) {
      throw TelltaleError.is(error) ? error : unavailable(operation, error);
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
    }
  };

  // The hash tag keeps every key of the counter in one cluster slot.
  const connections = redisConnectionCounter({
    client,
    keyPrefix: `${prefix}{connections}:`,
    instanceId: randomUUID(),
    leaseTtl,
    command,
    clock,
    logger,
  });

  return {
    connections,
    async publish(topic, publication): Promise<BrokerEvent> {
      const keys = topicKeys(prefix, topic);
      const tail = entryTail(publication.publishedAt, publication.type, publication.dataJson);
      const id = await command('publish', () =>
        publishCommand(keys.counter, keys.history, publication.minimumId, tail, historySize, ttlSeconds, keys.channel),
      );
      const { type, data, dataJson, publishedAt } = publication;
      return { id: Number(id), type, data, dataJson, publishedAt };
    },
    subscribe(topic, listener): BrokerSubscription {
      const { channel } = topicKeys(prefix, topic);
      let entry = listeners.get(channel);
      if (!entry) {
        // A failed subscribe degrades to local delivery; autoResubscribe retries it on reconnect.
        const ready = subscriberReady()
          .then(() => subscriber.subscribe(channel))
          .then(
            () => undefined,
            (error: unknown) => logger.warn({ err: error, topic }, 'live: redis subscribe failed'),
          );
        listeners.set(channel, (entry = { topic, set: new Set(), ready }));
      }
      const current = entry;
      current.set.add(listener);
      return {
        ready: current.ready,
        dispose() {
          current.set.delete(listener);
          if (current.set.size > 0 || listeners.get(channel) !== current) return;
          listeners.delete(channel);
          subscriber.unsubscribe(channel).catch(() => {});
        },
      };
    },
    async history(topic, afterId): Promise<TopicHistory> {
      const keys = topicKeys(prefix, topic);
      const [counter, entries] = await command('history', async () => {
        const results = await client.multi().get(keys.counter).lrange(keys.history, 0, -1).exec();
        if (!results) throw new Error('transaction aborted');
        for (const [error] of results) if (error) throw error;
        return [results[0]![1] as string | null, results[1]![1] as string[]] as const;
      });
      const stored = entries.map(parseEntry).filter((event): event is BrokerEvent => event !== undefined);
      const lastId = Math.max(Number(counter ?? 0), stored.at(-1)?.id ?? 0);
      const oldest = stored[0]?.id ?? lastId + 1;
      return {
        events: stored.filter((event) => event.id > afterId),
        lastId,
        truncated: afterId + 1 < oldest && afterId < lastId,
      };
    },
    async end(topic) {
      const keys = topicKeys(prefix, topic);
      await command('end', () =>
        client.multi().del(keys.counter, keys.history).publish(keys.channel, END_MESSAGE).exec(),
      );
    },
    async close() {
      await connections.close();
      listeners.clear();
      subscriber.disconnect();
      if (given.client) return;
      try {
        if (client.status === 'ready') await command('close', () => client.quit());
      } catch {
        // Closing anyway.
      } finally {
        client.disconnect();
      }
    },
  };
}

function unavailable(operation: string, cause: unknown): TelltaleError {
  return new TelltaleError(LIVE_ERROR_CODES.brokerUnavailable, `Redis is unavailable for live ${operation}`, {
    cause,
    details: { operation },
  });
}
