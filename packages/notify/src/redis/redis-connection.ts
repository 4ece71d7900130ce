import { Redis, type RedisOptions } from 'ioredis';
import { TelltaleError, type Clock, type Logger } from '@telltale/core';
import { NotifyStoreUnavailableError } from '../queue/store-unavailable.js';
import {
  ACQUIRE_SCRIPT,
  CLAIM_SCRIPT,
  END_CLAIM_SCRIPT,
  ENQUEUE_SCRIPT,
  PAUSE_SCRIPT,
  RENEW_SCRIPT,
  REVIVE_SCRIPT,
} from './scripts.js';

type Script = (...args: (string | number)[]) => Promise<unknown>;

const scripts = {
  enqueue: { numberOfKeys: 3, lua: ENQUEUE_SCRIPT },
  claim: { numberOfKeys: 5, lua: CLAIM_SCRIPT },
  endClaim: { numberOfKeys: 5, lua: END_CLAIM_SCRIPT },
  revive: { numberOfKeys: 3, lua: REVIVE_SCRIPT },
  renew: { numberOfKeys: 2, lua: RENEW_SCRIPT },
  acquire: { numberOfKeys: 2, lua: ACQUIRE_SCRIPT },
  pause: { numberOfKeys: 1, lua: PAUSE_SCRIPT },
};

const ERROR_LOG_INTERVAL = 10_000;

/** The Redis store's connection: its client, its scripts, and commands bounded by a timeout. */
export interface StoreConnection {
  client: Redis;
  run: Record<keyof typeof scripts, Script>;
  /** Bounds a command; before the first connection it waits for it (up to the timeout), later it fails fast. */
  command: <T>(operation: string, body: () => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
}

/**
 * Connects (or adopts the caller's `client`): no offline queue, so a command while Redis is away
 * fails at once with `TELLTALE_NOTIFY_STORE_UNAVAILABLE` instead of piling up; ioredis reconnects
 * by itself.
 */
export function openConnection(options: {
  url: string | undefined;
  client: Redis | undefined;
  commandTimeout: number;
  logger: Logger;
  clock: Clock;
}): StoreConnection {
  const { clock, logger, commandTimeout } = options;
  const given = options;
  const ownOptions: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: 'telltale-notify',
    // Reconnect quickly but not in a hot loop while Redis is away.
    retryStrategy: (times) => Math.min(1000, 50 * times),
  };
  const client = given.client ?? new Redis(options.url!, ownOptions);
  const run: Record<keyof typeof scripts, Script> = {} as Record<keyof typeof scripts, Script>;
  for (const [script, definition] of Object.entries(scripts) as [keyof typeof scripts, (typeof scripts)['claim']][]) {
    const command = `telltaleNotify_${script}`;
    client.defineCommand(command, definition);
    run[script] = (client as unknown as Record<string, Script>)[command]!.bind(client);
  }

  let lastErrorLog = -Infinity;
  if (!given.client) {
    client.on('error', (error: Error) => {
      const now = clock.now();
      if (now - lastErrorLog < ERROR_LOG_INTERVAL) return;
      lastErrorLog = now;
      logger.warn({ err: error }, 'notify: redis connection error (retrying)');
    });
  }
  let everReady = client.status === 'ready';
  // One listener for every command waiting on the first connection.
  const firstReady = everReady
    ? Promise.resolve()
    : new Promise<void>((resolve) =>
        client.once('ready', () => {
          everReady = true;
          resolve();
        }),
      );
  let closed = false;

  /** Bounds a command; before the first connection it waits for it (up to the timeout), later it fails fast. */
  async function command<T>(operation: string, body: () => Promise<T>): Promise<T> {
    if (closed) throw new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notify redis store is closed');
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(
        () => reject(new NotifyStoreUnavailableError('redis', operation, new Error('timed out'))),
        commandTimeout,
      );
    });
    try {
      if (!everReady && client.status !== 'ready') {
        await Promise.race([firstReady, deadline]);
      }
      return await Promise.race([body(), deadline]);
    } catch (error) {
      throw TelltaleError.is(error) ? error : new NotifyStoreUnavailableError('redis', operation, error);
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
    }
  }

  return {
    client,
    run,
    command,
    async close() {
      if (closed) return;
      closed = true;
      if (given.client) return;
      try {
        if (client.status === 'ready') await client.quit();
      } catch {
        // Closing anyway.
      } finally {
        client.disconnect();
      }
    },
  };
}
