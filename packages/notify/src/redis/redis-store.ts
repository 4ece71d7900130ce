import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  options as validate,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Clock,
  type DurationInput,
  type Logger,
} from '@telltale/core';
import type { ClaimedDelivery, DeliveryQueue, QueueLease } from '../queue/queue-port.js';
import type { IdempotencyEntry, OutboxRecord } from '../store.js';
import { openConnection } from './redis-connection.js';
import { storeKeys } from './scripts.js';

/**
 * Options of {@link redisStore}: `url` (the store owns its connection) or
 * `client` (yours; never quit by the store).
 *
 * @example
 * ```ts
 * import type { RedisStoreOptions } from '@telltale/notify/redis';
 * const options: RedisStoreOptions = { url: 'redis://127.0.0.1:6379', name: 'billing', lease: '1m' };
 * ```
 */
export interface RedisStoreOptions {
  url?: string;
  client?: Redis;
  /** Separates the queues of several notifiers on one Redis (every replica of one service uses the same). Default `'default'`. */
  name?: string;
  /** Prefix of every key. Default `'telltale:notify:'`. */
  prefix?: string;
  /** How long a claim holds before another replica may take the delivery over; longer than any delivery takes. Default `'1m'`. */
  lease?: DurationInput;
  /** A command that takes longer fails with `TELLTALE_NOTIFY_STORE_UNAVAILABLE`. Default `'2s'`. */
  commandTimeout?: DurationInput;
  logger?: Partial<Logger>;
  clock?: Clock;
}

/**
 * The Redis store, a {@link DeliveryQueue} (see {@link redisStore}).
 *
 * @example
 * ```ts
 * const store: RedisStore = redisStore({ url: process.env.REDIS_URL });
 * ```
 */
export type RedisStore = DeliveryQueue;

/**
 * A delivery queue on Redis shared by every replica of a service: each
 * replica accepts `send` and exactly one delivers each message. Deliveries
 * live in a hash with one sorted set of due times per channel; a Lua script
 * claims due ones with a lease (an expired lease — a killed replica — makes
 * them claimable again: at-least-once, with the same idempotency key);
 * idempotency keys are reserved with a TTL of `idempotencyTtl` in the same
 * script that stores the message, so a duplicate sent to another replica is
 * recognised; per-channel token buckets and 429 pauses are Redis keys every
 * replica draws from; dead letters and redrive are visible from any replica.
 * While Redis is down, `send` rejects with `TELLTALE_NOTIFY_STORE_UNAVAILABLE`
 * (nothing is reported accepted that was not stored) and delivery resumes by
 * itself once Redis answers again. Persistence is Redis's: enable AOF
 * (`appendonly yes`) so a Redis restart keeps the queue.
 *
 * @example
 * ```ts
 * import { createNotifier, webhookChannel } from '@telltale/notify';
 * import { redisStore } from '@telltale/notify/redis';
 *
 * const notifier = createNotifier({
 *   channels: { ops: webhookChannel({ url: 'https://ops.example.com/hook', secret: process.env.WEBHOOK_SECRET! }) },
 *   store: redisStore({ url: process.env.REDIS_URL, name: 'billing' }),
 * });
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  const given = validate.object('options', options);
  if ((given.url === undefined) === (given.client === undefined)) {
    throw new TelltaleConfigError({ option: 'url', value: given.url, expected: 'exactly one of "url" or "client"' });
  }
  if (given.url !== undefined) validate.nonEmptyString('url', given.url);
  const name = validate.nonEmptyString('name', given.name, 'default');
  if (/[{}]/.test(name))
    throw new TelltaleConfigError({ option: 'name', value: name, expected: 'a name without { or }' });
  const prefix = `${validate.nonEmptyString('prefix', given.prefix, 'telltale:notify:')}{${name}}:`;
  const leaseMs = validate.duration('lease', given.lease, '1m');
  const commandTimeout = validate.duration('commandTimeout', given.commandTimeout, '2s');
  const logger = resolveLogger(given.logger);
  const clock = given.clock ?? systemClock;
  const keys = storeKeys(prefix);

  const { client, run, command, close } = openConnection({
    url: given.url,
    client: given.client,
    commandTimeout,
    logger,
    clock,
  });

  const parse = (json: string | null): OutboxRecord | undefined => {
    if (json === null) return undefined;
    try {
      return JSON.parse(json) as OutboxRecord;
    } catch {
      logger.warn({ name }, 'notify: ignored a malformed record in redis');
      return undefined;
    }
  };

  async function readRecords(ids: readonly string[]): Promise<OutboxRecord[]> {
    if (ids.length === 0) return [];
    const rows = await client.hmget(keys.records, ...ids);
    return rows.map(parse).filter((record): record is OutboxRecord => record !== undefined);
  }

  const endClaim = (
    operation: string,
    lease: QueueLease,
    record: OutboxRecord | undefined,
    mode: string,
    score: number,
  ) =>
    command(operation, async () => {
      const channel = lease.channel;
      const result = await run.endClaim(
        keys.leased(channel),
        keys.tokens,
        keys.records,
        keys.due(channel),
        keys.dead,
        lease.id,
        lease.token,
        mode,
        record === undefined ? '' : JSON.stringify(record),
        score,
      );
      return Number(result) === 1;
    });

  function toClaims(reply: string[], channel: string, expiresAt: number): ClaimedDelivery[] {
    const claimed: ClaimedDelivery[] = [];
    for (let index = 0; index < reply.length; index += 3) {
      const record = parse(reply[index + 2]!);
      if (record) claimed.push({ record, lease: { id: reply[index]!, channel, token: reply[index + 1]!, expiresAt } });
    }
    return claimed;
  }

  function handBack(claims: readonly ClaimedDelivery[]): void {
    for (const { record, lease } of claims)
      void endClaim('release', lease, record, 'release', clock.now()).catch(() => {});
  }

  return {
    kind: 'delivery-queue',
    name: 'redis',
    leaseMs,
    async open() {
      // Connecting is ioredis's job (and it reconnects by itself); a Redis that is down now must
      // not fail the notifier for good, only the calls made while it is down.
    },
    enqueue(entry: IdempotencyEntry, records: readonly OutboxRecord[], now: number) {
      return command('enqueue', async () => {
        const args: (string | number)[] = [keys.duePrefix, JSON.stringify(entry), Math.max(0, entry.expiresAt - now)];
        for (const record of records) {
          const dead = record.state === 'dead';
          args.push(record.id, record.channel, dead ? (record.deadAt ?? now) : record.nextAttemptAt);
          args.push(JSON.stringify(record), record.state);
        }
        const existing = (await run.enqueue(keys.key(entry.key), keys.records, keys.dead, ...args)) as string | null;
        if (existing === null) return { duplicate: false as const };
        return { duplicate: true as const, existing: JSON.parse(existing) as IdempotencyEntry };
      });
    },
    add(records) {
      return command('add', async () => {
        const transaction = client.multi();
        for (const record of records) {
          transaction.hset(keys.records, record.id, JSON.stringify(record));
          transaction.zadd(keys.due(record.channel), record.nextAttemptAt, record.id);
        }
        await transaction.exec();
      });
    },
    async claim({ channel, limit, leaseMs: holdFor, now }) {
      let started: Promise<string[]> | undefined;
      const keysOf = [keys.due(channel), keys.leased(channel), keys.tokens, keys.records, keys.pause(channel)];
      try {
        return await command('claim', async () => {
          started = run.claim(...keysOf, now, now + holdFor, limit, randomUUID()) as Promise<string[]>;
          return toClaims(await started, channel, now + holdFor);
        });
      } catch (error) {
        // A claim that timed out here may still have run in Redis: hand back what it gave out, due
        // now, rather than leave it to its lease.
        void started?.then(
          (reply) => handBack(toClaims(reply, channel, now + holdFor)),
          () => {},
        );
        throw error;
      }
    },
    renew(held, holdFor, now) {
      return command('renew', async () => {
        const byChannel = new Map<string, QueueLease[]>();
        for (const lease of held) byChannel.set(lease.channel, [...(byChannel.get(lease.channel) ?? []), lease]);
        const renewed: QueueLease[] = [];
        for (const [channel, leases] of byChannel) {
          const args = leases.flatMap((lease) => [lease.id, lease.token]);
          const ids = new Set((await run.renew(keys.leased(channel), keys.tokens, now + holdFor, ...args)) as string[]);
          for (const lease of leases) if (ids.has(lease.id)) renewed.push({ ...lease, expiresAt: now + holdFor });
        }
        return renewed;
      });
    },
    acknowledge(lease) {
      return endClaim('acknowledge', lease, undefined, 'ack', 0);
    },
    release(lease, record, at) {
      return endClaim('release', lease, { ...record, state: 'pending', nextAttemptAt: at }, 'release', at);
    },
    deadLetter(lease, record) {
      const dead: OutboxRecord = { ...record, state: 'dead', deadAt: record.deadAt ?? clock.now() };
      return endClaim('dead-letter', lease, dead, 'dead', dead.deadAt!);
    },
    list({ state, channel }) {
      return command('list', async () => {
        const records =
          state === 'dead'
            ? await readRecords(await client.zrange(keys.dead, 0, -1))
            : (await client.hvals(keys.records))
                .map(parse)
                .filter((record): record is OutboxRecord => record?.state === 'pending')
                .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
        return channel === undefined ? records : records.filter((record) => record.channel === channel);
      });
    },
    redrive({ channel, ids }, now) {
      return command('redrive', async () => {
        const wanted = ids === undefined ? undefined : new Set(ids);
        const dead = await readRecords(await client.zrange(keys.dead, 0, -1));
        let count = 0;
        for (const record of dead) {
          if (channel !== undefined && record.channel !== channel) continue;
          if (wanted !== undefined && !wanted.has(record.id)) continue;
          const revived: OutboxRecord = {
            ...record,
            state: 'pending',
            attempts: 0,
            enqueuedAt: now,
            nextAttemptAt: now,
          };
          delete revived.deadAt;
          const moved = await run.revive(
            keys.dead,
            keys.records,
            keys.due(record.channel),
            record.id,
            JSON.stringify(revived),
            now,
          );
          count += Number(moved);
        }
        return count;
      });
    },
    status(ids) {
      return command('status', async () => {
        const result: Record<string, 'pending' | 'dead' | 'done'> = {};
        const rows = ids.length === 0 ? [] : await client.hmget(keys.records, ...ids);
        ids.forEach((id, index) => (result[id] = parse(rows[index] ?? null)?.state ?? 'done'));
        return result;
      });
    },
    throttle: {
      acquire(channel, limit, now) {
        return command('rate limit', async () =>
          Number(
            await run.acquire(
              keys.bucket(channel),
              keys.pause(channel),
              now,
              limit === undefined ? '' : limit.perSecond,
              limit?.burst ?? 1,
            ),
          ),
        );
      },
      async pause(channel, until) {
        await command('pause', () => run.pause(keys.pause(channel), until, clock.now()));
      },
    },
    close,
  };
}
