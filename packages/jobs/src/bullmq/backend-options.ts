import { options as check, TelltaleConfigError, type DurationInput } from '@telltale/core';
import type { RedisOptions } from 'ioredis';

/**
 * Options for `bullmqBackend`.
 *
 * @example
 * ```ts
 * import { bullmqBackend, type BullmqBackendOptions } from '@telltale/jobs/bullmq';
 * const options: BullmqBackendOptions = { connection: process.env.REDIS_URL!, prefix: 'orders' };
 * const backend = bullmqBackend(options);
 * ```
 */
export interface BullmqBackendOptions {
  /** A Redis URL (`redis://host:6379/0`) or ioredis options. The backend opens and closes its own connections. */
  connection: string | RedisOptions;
  /** Key prefix of every queue (default `'telltale-jobs'`); processes sharing jobs use the same one. */
  prefix?: string;
  /** Run workers in this process (default true); `false` for a process that only submits and watches. */
  workers?: boolean;
  /** How long a worker's lock on a job lasts without renewal (default `'30s'`); a dead worker's job is taken over after it. */
  lockDuration?: DurationInput;
  /** How often workers look for jobs whose lock expired (default `'30s'`). */
  stalledInterval?: DurationInput;
  /** Times a job may be taken over after its worker died before it is dead-lettered (default 2). */
  maxStalledCount?: number;
}

/** {@link BullmqBackendOptions} validated, with defaults. */
export interface ResolvedBullmqOptions {
  readonly connection: string | RedisOptions;
  readonly prefix: string;
  readonly runWorkers: boolean;
  readonly lockDuration: number;
  readonly stalledInterval: number;
  readonly maxStalledCount: number;
}

/** Validates the options at construction, naming the option in each `TelltaleConfigError`. */
export function resolveBullmqOptions(input: BullmqBackendOptions): ResolvedBullmqOptions {
  const options = check.object('bullmqBackend', input);
  const connection = options.connection as unknown;
  if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
    throw new TelltaleConfigError({
      option: 'bullmqBackend.connection',
      value: connection,
      expected: 'a Redis URL or ioredis options',
    });
  }
  return {
    connection: options.connection,
    prefix: check.nonEmptyString('bullmqBackend.prefix', options.prefix, 'telltale-jobs'),
    runWorkers: options.workers ?? true,
    lockDuration: check.duration('bullmqBackend.lockDuration', options.lockDuration, '30s'),
    stalledInterval: check.duration('bullmqBackend.stalledInterval', options.stalledInterval, '30s'),
    maxStalledCount: check.nonNegativeInteger('bullmqBackend.maxStalledCount', options.maxStalledCount, 2),
  };
}
