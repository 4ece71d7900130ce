import {
  backoffFromOptions,
  options as check,
  renamedOption,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Backoff,
  type Clock,
  type Logger,
  type MeterProviderLike,
  type TimerHandle,
} from '@telltale/core';
import { createChannelBreaker, type ChannelBreaker } from '../breaker.js';
import type { NotificationChannel, RateLimit } from '../channel.js';
import { Deque } from './deque.js';
import type { NotifierOptions } from '../notifier-types.js';
import { fileStore } from '../stores/file-store.js';
import type { TemplateRegistry } from '../templates/registry.js';
import { memoryStore, type DeliveryErrorSummary, type OutboxRecord, type OutboxStore } from '../store.js';
import { createTokenBucket, type TokenBucket } from './token-bucket.js';
import { isDeliveryQueue, type DeliveryQueue, type SharedRateLimit } from '../queue/queue-port.js';

/** Concurrency of a channel that does not advertise one. */
const DEFAULT_CONCURRENCY = 4;

/** A notifier's validated options. */
export interface NotifierSettings {
  clock: Clock;
  logger: Logger;
  random: () => number;
  maxAttempts: number;
  backoff: Backoff;
  maxRetryAfter: number;
  expireAfter: number;
  idempotencyTtl: number;
  maxQueued: number;
  /** Where deliveries are kept: an OutboxStore (this notifier holds the working set) or a shared queue. */
  backend: { kind: 'outbox'; store: OutboxStore } | { kind: 'queue'; queue: DeliveryQueue };
  templates: TemplateRegistry | undefined;
  meterProvider: MeterProviderLike | false | undefined;
}

/** One channel's queue: what waits, what is in flight, and what holds it back. */
export interface Lane {
  name: string;
  channel: NotificationChannel;
  concurrency: number;
  bucket: TokenBucket | undefined;
  /** The channel's resolved rate limit (kept by the shared queue's throttle when there is one). */
  rateLimit: SharedRateLimit | undefined;
  breaker: ChannelBreaker | undefined;
  ready: Deque<OutboxRecord>;
  delayed: OutboxRecord[];
  inFlight: number;
  pausedUntil: number;
  rateLimitStreak: number;
  disabled: DeliveryErrorSummary | undefined;
  timer: TimerHandle | undefined;
  timerAt: number;
  dead: Map<string, OutboxRecord>;
}

/** Validates `createNotifier` options, throwing `TelltaleConfigError` naming the option. */
export function resolveSettings(options: NotifierOptions): NotifierSettings {
  check.object('createNotifier', options);
  const channelInput = options.channels;
  if (typeof channelInput !== 'object' || channelInput === null || Object.keys(channelInput).length === 0) {
    throw new TelltaleConfigError({
      option: 'channels',
      value: channelInput,
      expected: 'an object mapping names to channels, with at least one',
    });
  }
  for (const [name, channel] of Object.entries(channelInput)) {
    if (typeof channel !== 'object' || channel === null || typeof channel.deliver !== 'function') {
      throw new TelltaleConfigError({
        option: `channels.${name}`,
        value: channel,
        expected: 'a NotificationChannel (e.g. slackChannel({...}))',
      });
    }
  }
  const retryInput = check.object('retry', options.retry);
  if (options.directory !== undefined && options.store !== undefined) {
    throw new TelltaleConfigError({
      option: 'directory',
      value: options.directory,
      expected: 'either `directory` (a file store) or `store`, not both',
    });
  }
  const store =
    options.store ??
    (options.directory === undefined
      ? memoryStore()
      : fileStore({
          directory: check.nonEmptyString('directory', options.directory),
          logger: options.logger ?? {},
          // The notifier's clock, so idempotency keys expire by the same time they were given.
          ...(options.clock === undefined ? {} : { clock: options.clock }),
        }));
  if (!isDeliveryQueue(store)) {
    for (const method of ['load', 'save', 'remove', 'rememberKey', 'close'] as const) {
      if (typeof store[method] !== 'function') {
        throw new TelltaleConfigError({ option: 'store', value: store, expected: 'an OutboxStore or a DeliveryQueue' });
      }
    }
  }
  for (const option of ['rateLimits', 'concurrency'] as const) {
    for (const name of Object.keys(check.object(option, options[option]))) {
      if (!(name in channelInput)) {
        throw new TelltaleConfigError({
          option: `${option}.${name}`,
          value: name,
          expected: `one of the channel names (${Object.keys(channelInput).join(', ')})`,
        });
      }
    }
  }
  const random = check.optionalFunction<() => number>('random', options.random) ?? Math.random;
  if (options.breaker !== false) check.object('breaker', options.breaker);
  const idempotencyTtl = renamedOption('', options, 'idempotencyTtl', 'dedupWindow');
  const maxQueued = renamedOption('', options, 'maxQueued', 'maxQueueSize');
  return {
    clock: options.clock ?? systemClock,
    logger: resolveLogger(options.logger),
    random,
    maxAttempts: check.positiveInteger('retry.maxAttempts', retryInput.maxAttempts, 8),
    backoff: backoffFromOptions(
      'retry',
      retryInput,
      { initial: '1s', max: '5m', jitter: 'equal', jitters: ['equal', 'full', 'none'] },
      random,
    ),
    maxRetryAfter: check.duration('retry.maxRetryAfter', retryInput.maxRetryAfter, '15m'),
    expireAfter: check.duration('retry.expireAfter', retryInput.expireAfter, '24h'),
    idempotencyTtl: check.duration(idempotencyTtl.option, idempotencyTtl.value, '24h'),
    maxQueued: check.positiveInteger(maxQueued.option, maxQueued.value, 100_000),
    backend: isDeliveryQueue(store) ? { kind: 'queue', queue: store } : { kind: 'outbox', store },
    templates: validateTemplates(options.templates),
    meterProvider: options.meterProvider,
  };
}

function validateTemplates(templates: TemplateRegistry | undefined): TemplateRegistry | undefined {
  if (templates === undefined) return undefined;
  if (typeof templates !== 'object' || templates === null || typeof templates.render !== 'function') {
    throw new TelltaleConfigError({
      option: 'templates',
      value: templates,
      expected: 'a TemplateRegistry (createTemplateRegistry())',
    });
  }
  return templates;
}

function validateRateLimit(option: string, limit: RateLimit): { perSecond: number; burst: number } {
  check.object(option, limit);
  const perSecond = check.numberInRange(`${option}.perSecond`, limit.perSecond, 0.0001, 1_000_000);
  const burst = check.positiveInteger(`${option}.burst`, limit.burst, Math.max(1, Math.ceil(perSecond)));
  return { perSecond, burst };
}

/** One lane per channel, with its rate limit, concurrency and breaker resolved. */
export function createLanes(options: NotifierOptions, settings: NotifierSettings): Map<string, Lane> {
  const rateLimits = options.rateLimits ?? {};
  const concurrency = options.concurrency ?? {};
  const lanes = new Map<string, Lane>();
  const sharedThrottle = settings.backend.kind === 'queue' && settings.backend.queue.throttle !== undefined;
  for (const [name, channel] of Object.entries(options.channels)) {
    const override = rateLimits[name];
    const limit = override === false ? undefined : (override ?? channel.rateLimit);
    const option = override === undefined ? `channels.${name}.rateLimit` : `rateLimits.${name}`;
    const resolvedLimit = limit === undefined ? undefined : validateRateLimit(option, limit);
    const { clock, logger, meterProvider } = settings;
    lanes.set(name, {
      name,
      channel,
      concurrency: check.positiveInteger(
        `concurrency.${name}`,
        concurrency[name] ?? channel.concurrency,
        DEFAULT_CONCURRENCY,
      ),
      // A shared queue's throttle applies the limit across processes; otherwise this bucket does.
      bucket:
        resolvedLimit && !sharedThrottle
          ? createTokenBucket(resolvedLimit.perSecond, resolvedLimit.burst, clock.now())
          : undefined,
      rateLimit: resolvedLimit,
      breaker:
        options.breaker === false
          ? undefined
          : createChannelBreaker(name, options.breaker ?? {}, { clock, logger, meterProvider }),
      ready: new Deque(),
      delayed: [],
      inFlight: 0,
      pausedUntil: 0,
      rateLimitStreak: 0,
      disabled: undefined,
      timer: undefined,
      timerAt: Infinity,
      dead: new Map(),
    });
  }
  return lanes;
}
