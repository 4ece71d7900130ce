import type { Redis } from 'ioredis';
import type { Clock, Logger, TimerHandle } from '@telltale/core';
import type { ConnectionCounter } from '../broker.js';

/**
 * Takes a slot when the live instances hold fewer than the limit. Each
 * instance keeps its counts in its own hash, which expires unless the
 * instance refreshes it: a SIGKILLed instance's counts vanish after one
 * lease TTL, and the next acquire drops it from the instance set.
 *
 * KEYS: instance set, own hash. ARGV: key, limit, ttl ms, hash prefix, own id.
 */
const ACQUIRE_SCRIPT = `
local total = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local hash = ARGV[4] .. id
  if redis.call('EXISTS', hash) == 1 then
    total = total + (tonumber(redis.call('HGET', hash, ARGV[1])) or 0)
  elseif id ~= ARGV[5] then
    redis.call('SREM', KEYS[1], id)
  end
end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[1], ARGV[5])
return 1
`;

/** KEYS: own hash. ARGV: key. */
const RELEASE_SCRIPT = `
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
`;

type Acquire = (set: string, hash: string, ...args: (string | number)[]) => Promise<number>;
type Release = (hash: string, key: string) => Promise<number>;

/** What {@link redisConnectionCounter} needs from the broker. */
export interface CounterContext {
  readonly client: Redis;
  /** Key prefix including the hash tag, so every key of the counter is in one cluster slot. */
  readonly keyPrefix: string;
  readonly instanceId: string;
  readonly leaseTtl: number;
  /** The broker's bounded command runner (typed error when Redis is down). */
  readonly command: <T>(operation: string, run: () => Promise<T>) => Promise<T>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Per-key connection counts across instances on Redis. The instance
 * refreshes its lease every third of `leaseTtl`, and rewrites its hash from
 * its own counts when Redis lost it (a restart) or a release failed, so the
 * shared figure converges on what is really open.
 */
export function redisConnectionCounter(context: CounterContext): ConnectionCounter & { close(): Promise<void> } {
  const { client, keyPrefix, instanceId, leaseTtl, command, clock, logger } = context;
  const instances = `${keyPrefix}instances`;
  const hashPrefix = `${keyPrefix}instance:`;
  const own = `${hashPrefix}${instanceId}`;
  client.defineCommand('telltaleLiveAcquire', { numberOfKeys: 2, lua: ACQUIRE_SCRIPT });
  client.defineCommand('telltaleLiveRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  const commands = client as unknown as { telltaleLiveAcquire: Acquire; telltaleLiveRelease: Release };
  // Slots this instance holds in Redis, the truth a rewrite restores.
  const held = new Map<string, number>();
  let dirty = false;
  let timer: TimerHandle | undefined;
  let closed = false;

  const rewrite = async (): Promise<void> => {
    const transaction = client.multi().del(own);
    if (held.size > 0)
      transaction.hset(own, Object.fromEntries(held)).pexpire(own, leaseTtl).sadd(instances, instanceId);
    await transaction.exec();
  };

  const refresh = async (): Promise<void> => {
    if (dirty) {
      dirty = false;
      return await rewrite();
    }
    if (held.size === 0) return;
    if ((await client.pexpire(own, leaseTtl)) === 0) await rewrite();
  };

  const schedule = (): void => {
    if (closed) return;
    timer = clock.setTimeout(
      () => {
        refresh().then(schedule, (error: unknown) => {
          dirty = true;
          logger.debug({ err: error }, 'live: connection lease refresh failed (retrying)');
          schedule();
        });
      },
      Math.max(1, Math.floor(leaseTtl / 3)),
      { background: true },
    );
  };
  schedule();

  return {
    async acquire(key, limit) {
      const taken = await command('acquire', () =>
        commands.telltaleLiveAcquire(instances, own, key, limit, leaseTtl, hashPrefix, instanceId),
      );
      if (Number(taken) !== 1) return false;
      held.set(key, (held.get(key) ?? 0) + 1);
      return true;
    },
    release(key) {
      const count = held.get(key);
      if (count === undefined) return;
      if (count <= 1) held.delete(key);
      else held.set(key, count - 1);
      commands.telltaleLiveRelease(own, key).catch(() => {
        // Repaired by the next refresh, which rewrites the hash from `held`.
        dirty = true;
      });
    },
    async close() {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      held.clear();
      // Give the slots back now rather than after the lease expires.
      await command('close', () => client.multi().del(own).srem(instances, instanceId).exec()).catch(() => {});
    },
  };
}
