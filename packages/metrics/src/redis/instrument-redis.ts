import type { Attributes } from '@opentelemetry/api';
import { options as check, TelltaleConfigError, type Disposable, type MeterProviderLike } from '@telltale/core';
import { errorTypeOf } from '../attributes.js';
import { instrumentSource } from '../meter.js';
import { dbHistogramsFor, type DbHistogram, type DbSeriesRecorder } from '../pg/duration-table.js';
import { addRequestTiming } from '../server-timing/request-timing.js';

/**
 * The part of an ioredis client (`Redis` or `Cluster`) that is wrapped: every
 * command, pipelined or not, goes through `sendCommand` with a command object
 * carrying its `name` and a `promise` that settles with the reply.
 */
export interface RedisCommandClient {
  sendCommand: (...args: never[]) => unknown;
  readonly options?: { readonly db?: number | undefined };
}

/**
 * Options of {@link instrumentRedis}.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import type { InstrumentRedisOptions } from '@telltale/metrics/redis';
 * const options: InstrumentRedisOptions = { meterProvider: metrics.getMeterProvider() };
 * ```
 */
export interface InstrumentRedisOptions {
  /**
   * Meter provider. Default: the current global one (what `@telltale/node` registers). `false`
   * disables recording: commands are not timed and no instrument is created on a real provider.
   */
  meterProvider?: MeterProviderLike | false;
}

/** A client instrumented by {@link instrumentRedis}; `dispose()` restores it. */
export interface InstrumentedRedis extends Disposable {
  [Symbol.dispose](): void;
}

interface CommandLike {
  name?: unknown;
  promise?: PromiseLike<unknown>;
}

type SendCommand = (this: unknown, ...args: unknown[]) => unknown;

const INSTRUMENTED = Symbol.for('telltale.metrics.redis.instrumented');

/**
 * `error.type` of a failed command: the reply's error prefix (`WRONGTYPE`,
 * `NOSCRIPT`, `ERR`: bounded by the protocol), else the error class
 * (`MaxRetriesPerRequestError` when Redis is unreachable).
 */
export function redisErrorType(error: unknown): string {
  if (errorTypeOf(error) === 'ReplyError') {
    const message = (error as { message?: unknown }).message;
    const prefix = typeof message === 'string' ? /^([A-Z]{2,32})\b/.exec(message)?.[1] : undefined;
    if (prefix !== undefined) return prefix;
  }
  return errorTypeOf(error);
}

/**
 * Records `db.client.operation.duration` (seconds; `db.system.name=redis`,
 * `db.operation.name` = the command, `db.namespace` = the database index,
 * `error.type` on failure; never keys or values) for every command an ioredis
 * client sends, pipelined ones included, and adds their time to the request's
 * `Server-Timing` as `redis`. The OpenTelemetry ioredis instrumentation
 * records spans only, no metrics, hence this helper.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { instrumentRedis } from '@telltale/metrics/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const instrumented = instrumentRedis(redis);
 * await redis.get('reading:42');
 * instrumented.dispose();
 * ```
 */
export function instrumentRedis(client: RedisCommandClient, options: InstrumentRedisOptions = {}): InstrumentedRedis {
  check.object('options', options);
  if (typeof client !== 'object' || client === null || typeof client.sendCommand !== 'function') {
    throw new TelltaleConfigError({
      option: 'client',
      value: client,
      expected: 'an ioredis client (Redis or Cluster)',
    });
  }
  const target = client as RedisCommandClient & { [INSTRUMENTED]?: true };
  if (target[INSTRUMENTED]) {
    throw new TelltaleConfigError({
      option: 'client',
      value: 'an instrumented client',
      expected: 'a client not instrumented yet (dispose the previous instrumentRedis first)',
    });
  }
  const instruments = instrumentSource(
    options.meterProvider,
    (meter, provider): DbHistogram => dbHistogramsFor(provider, meter).operationDuration,
  );
  const namespace = String(client.options?.db ?? 0);
  // The series of each command, found once per histogram (the global provider may change).
  let histogram: DbHistogram | undefined;
  const byCommand = new Map<string, DbSeriesRecorder>();
  const recorderFor = (target: DbHistogram, command: string, errorType: string | undefined): DbSeriesRecorder => {
    if (target !== histogram) {
      histogram = target;
      byCommand.clear();
    }
    const attributes: Attributes = {
      'db.system.name': 'redis',
      'db.namespace': namespace,
      'db.operation.name': command,
    };
    if (errorType !== undefined) {
      attributes['error.type'] = errorType;
      return target.series(attributes);
    }
    let recorder = byCommand.get(command);
    if (recorder === undefined) {
      recorder = target.series(attributes);
      // Command names are bounded by ioredis's command table; the cap only guards custom commands.
      if (byCommand.size < 500) byCommand.set(command, recorder);
    }
    return recorder;
  };
  // ioredis passes a command through sendCommand again when it flushes the offline queue: time it once.
  const timed = new WeakSet<object>();
  // ioredis names commands with constant lower-case strings: upper-case each once, not per command.
  const upperCased = new Map<string, string>();
  const upperCase = (name: string): string => {
    let upper = upperCased.get(name);
    if (upper === undefined) {
      upper = name.toUpperCase();
      if (upperCased.size < 500) upperCased.set(name, upper);
    }
    return upper;
  };
  let disposed = false;

  const finish = (name: string, started: number, error: unknown): void => {
    const milliseconds = performance.now() - started;
    addRequestTiming('redis', milliseconds);
    const state = instruments();
    if (!state.recording) return;
    if (error === undefined) {
      const known = state.instruments === histogram ? byCommand.get(name) : undefined;
      (known ?? recorderFor(state.instruments, name, undefined)).record(milliseconds / 1000);
    } else recorderFor(state.instruments, name, redisErrorType(error)).record(milliseconds / 1000);
  };

  const hadOwn = Object.hasOwn(client, 'sendCommand');
  const original = client.sendCommand as unknown as SendCommand;
  (client as unknown as { sendCommand: SendCommand }).sendCommand = function sendCommand(
    this: unknown,
    ...args: unknown[]
  ): unknown {
    const command = args[0] as CommandLike | undefined;
    if (disposed || typeof command !== 'object' || command === null || timed.has(command)) {
      return original.apply(this, args);
    }
    const promise = command.promise;
    if (promise === undefined || typeof promise.then !== 'function') return original.apply(this, args);
    timed.add(command);
    const name = typeof command.name === 'string' ? upperCase(command.name) : '_OTHER';
    const started = performance.now();
    promise.then(
      () => finish(name, started, undefined),
      (error: unknown) => finish(name, started, error ?? 'error'),
    );
    return original.apply(this, args);
  };
  target[INSTRUMENTED] = true;

  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    if (hadOwn) (client as unknown as { sendCommand: SendCommand }).sendCommand = original;
    else delete (client as unknown as { sendCommand?: SendCommand }).sendCommand;
    delete target[INSTRUMENTED];
  };
  return { dispose, [Symbol.dispose]: dispose };
}
