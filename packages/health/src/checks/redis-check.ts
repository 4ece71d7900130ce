import { TelltaleConfigError } from '@telltale/core';
import type { HealthCheck, HealthCheckDefaults } from '../types.js';
import { resolveProbeSettings, runProbe, type DatastoreCheckOptions } from './datastore-probe.js';

/** The client the check pings (an ioredis `Redis` fits; node-redis too). */
export interface RedisProbeClient {
  ping(): Promise<unknown>;
  /** ioredis connection state (`ready`, `reconnecting`, `end`, ...); checked before pinging when present. */
  readonly status?: string;
}

/**
 * Options of {@link redisCheck}.
 *
 * @example
 * ```ts
 * import type { RedisCheckOptions } from '@telltale/health';
 * const options: RedisCheckOptions = { degradedAfter: '100ms', timeout: '1s' };
 * ```
 */
export type RedisCheckOptions = DatastoreCheckOptions;

/** ioredis states in which a ping would only sit in the offline queue. */
const DOWN_STATES: ReadonlySet<string> = new Set(['reconnecting', 'close', 'end']);

/**
 * Checks Redis through the app's own client: `PING`, observed in ms, `warn`
 * at `degradedAfter`, `fail` when the answer is not `PONG`, the client is
 * reconnecting or closed (ioredis would otherwise queue the ping and retry
 * for many seconds), or no answer comes within `timeout`.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createHealthRegistry, redisCheck } from '@telltale/health';
 *
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const health = createHealthRegistry();
 * health.register('redis', redisCheck(redis, { degradedAfter: '100ms', timeout: '1s' }), { tags: ['ready'] });
 * ```
 */
export function redisCheck(
  client: RedisProbeClient,
  options: RedisCheckOptions = {},
): HealthCheck & HealthCheckDefaults {
  if (typeof client !== 'object' || client === null || typeof client.ping !== 'function') {
    throw new TelltaleConfigError({
      option: 'redisCheck.client',
      value: client,
      expected: 'a Redis client with ping()',
    });
  }
  const settings = resolveProbeSettings('redisCheck', options);
  const check: HealthCheck = ({ signal }) =>
    runProbe('redis', settings, signal, async () => {
      const status = client.status;
      if (status !== undefined && DOWN_STATES.has(status)) {
        return `redis client is ${status}`;
      }
      const answer = await client.ping();
      return answer === 'PONG' ? undefined : 'redis did not answer PING with PONG';
    });
  return Object.assign(check, { measurement: 'responseTime', componentType: 'datastore' });
}
