import type { IncomingMessage } from 'node:http';
import {
  options as validate,
  resolveLogger,
  systemClock,
  TelltaleConfigError,
  type Clock,
  type DurationInput,
  type Logger,
  type MeterProviderLike,
} from '@telltale/core';
import type { LiveBroker } from './broker.js';
import { memoryBroker } from './memory-broker.js';
import { compileTopicPatterns, type TopicMatcher } from './topics.js';

/**
 * How a client is connected.
 *
 * @example
 * ```ts
 * import type { LiveTransport } from '@telltale/live';
 * const transport: LiveTransport = 'websocket';
 * ```
 */
export type LiveTransport = 'sse' | 'websocket' | 'polling';

/**
 * What `authorize` learns besides the request and the topic.
 *
 * @example
 * ```ts
 * import type { AuthorizeContext } from '@telltale/live';
 * const authorize = (_request: unknown, _topic: string, context: AuthorizeContext) =>
 *   ({ allow: true, key: context.params.id ?? context.address } as const);
 * ```
 */
export interface AuthorizeContext {
  readonly transport: LiveTransport;
  /** Parameters of the matched `topics` pattern (`sessions/:id/status` → `{ id }`); `{}` without patterns. */
  readonly params: Readonly<Record<string, string>>;
  /** The matched pattern, when `topics` is set. */
  readonly pattern: string | undefined;
  /** The peer address: the socket's, or the first `X-Forwarded-For` hop only with `trustProxy: true`. */
  readonly address: string;
}

/**
 * The answer of `authorize`: allow with the key the caps count by (a session
 * or user id), or deny with 401 (default) or 403.
 *
 * @example
 * ```ts
 * import type { AuthorizeResult } from '@telltale/live';
 * const allowed: AuthorizeResult = { allow: true, key: 'user-42' };
 * const denied: AuthorizeResult = { allow: false, status: 403, message: 'not your session' };
 * ```
 */
export type AuthorizeResult =
  | { readonly allow: true; readonly key: string }
  | { readonly allow: false; readonly status?: 401 | 403; readonly message?: string };

/**
 * Decides per connection (and per poll). May be async. A throw answers 500
 * and is logged; it never opens a stream.
 *
 * @example
 * ```ts
 * import type { Authorize } from '@telltale/live';
 * const authorize: Authorize = async (request, topic) => {
 *   const user = await sessions.lookup(request.headers.cookie);
 *   return user && topic.startsWith(`sessions/${user.sessionId}/`) ? { allow: true, key: user.id } : { allow: false };
 * };
 * ```
 */
export type Authorize = (
  request: IncomingMessage,
  topic: string,
  context: AuthorizeContext,
) => AuthorizeResult | Promise<AuthorizeResult>;

/**
 * How SSE streams are written, for an app that already has an SSE wire
 * format its clients rely on (the operations dashboard uses it).
 *
 * @example
 * ```ts
 * import type { LiveSseFormat } from '@telltale/live';
 * const boot = Date.now().toString(36);
 * const sse: LiveSseFormat = {
 *   // Ids from an earlier process do not parse, so those clients get the latest event.
 *   eventId: { format: (id) => `${boot}-${id}`, parse: (text) => (text.startsWith(`${boot}-`) ? Number(text.slice(boot.length + 1)) : undefined) },
 *   greeting: 'connected',
 *   heartbeatComment: 'heartbeat',
 * };
 * ```
 */
export interface LiveSseFormat {
  /**
   * Writes the `id:` field and reads `Last-Event-ID` (or `?lastEventId=`)
   * back; `parse` answering `undefined` means the client does not resume.
   * Default: the decimal id.
   */
  readonly eventId?: { format(id: number): string; parse(text: string): number | undefined };
  /** A comment written after the `retry:` preamble when a stream opens. Default: none. */
  readonly greeting?: string;
  /** Text of heartbeat comments. Default `''` (a bare `:` line). */
  readonly heartbeatComment?: string;
}

/**
 * Why a connection was refused for capacity, for {@link LiveHubOptions.refusal}.
 *
 * @example
 * ```ts
 * import type { LiveRefusal } from '@telltale/live';
 * const refusal: LiveRefusal = { reason: 'key_limit', limit: 3 };
 * ```
 */
export interface LiveRefusal {
  readonly reason: 'key_limit' | 'global_limit' | 'closing';
  /** The cap that was reached (absent when closing). */
  readonly limit?: number;
}

/**
 * Options of `createLiveHub`.
 *
 * @example
 * ```ts
 * import type { LiveHubOptions } from '@telltale/live';
 * const options: LiveHubOptions = {
 *   basePath: '/live',
 *   topics: ['jobs/:jobId', 'sessions/:id/status'],
 *   authorize: () => ({ allow: true, key: 'anonymous' }),
 *   maxConnectionsPerKey: 3,
 *   idleTimeout: '5m',
 * };
 * ```
 */
export interface LiveHubOptions {
  /** Decides who may subscribe to what, and the key caps count by. Required. */
  authorize: Authorize;
  /** Path prefix; the topic is the rest of the path (`/live/jobs/42` → `jobs/42`). Default `'/live'`. */
  basePath?: string;
  /** Topic patterns such as `'jobs/:jobId'`; other topics answer 404. Default: any topic. */
  topics?: readonly string[];
  /** Carries events between instances and keeps history. Default: `memoryBroker({ history })`. */
  broker?: LiveBroker;
  /** Events kept per topic for resume by the default memory broker. Default 100. */
  history?: number;
  /** Streams (and long polls) one key may hold on this instance. Default 3. */
  maxConnectionsPerKey?: number;
  /** Streams this instance holds in total. Default 10,000. */
  maxConnections?: number;
  /** A stream with no event sent and no client activity for this long is closed. Default `'5m'`. */
  idleTimeout?: DurationInput;
  /** Interval of SSE comment lines and WebSocket pings. Default `'15s'`. */
  heartbeat?: DurationInput;
  /** Longest `?wait=` a long poll may ask for. Default `'30s'`. */
  maxPollWait?: DurationInput;
  /** Latest history events sent to a new stream that does not resume. Default 1 (the current status). */
  replay?: number;
  /** A client with more bytes than this queued is dropped. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** `Retry-After` of 429/503 refusals. Default `'5s'`. */
  retryAfter?: DurationInput;
  /** Read the client address from `X-Forwarded-For` (first hop). Default false. */
  trustProxy?: boolean;
  /** Largest event data, in bytes of JSON; `publish` rejects larger. Default 64 KiB. */
  maxEventBytes?: number;
  /** SSE id, greeting and heartbeat format. Default: decimal ids, no greeting, bare heartbeats. */
  sse?: LiveSseFormat;
  /**
   * Shapes the answer to a capacity refusal (the `Retry-After` header is
   * added). Default: 429 per key, 503 global or closing, `{ error, message, limit }`.
   */
  refusal?: (refusal: LiveRefusal) => { status: number; body: Readonly<Record<string, unknown>> };
  /**
   * Meter provider for the hub's instruments (default: the global one), or `false` to disable
   * telemetry: nothing is recorded and no instrument or gauge callback is registered.
   */
  meterProvider?: MeterProviderLike | false;
  clock?: Clock;
  logger?: Partial<Logger>;
}

/** Options after validation. */
export interface ResolvedHubOptions {
  readonly authorize: Authorize;
  readonly basePath: string;
  readonly topics: TopicMatcher;
  readonly broker: LiveBroker;
  readonly maxConnectionsPerKey: number;
  readonly maxConnections: number;
  readonly idleTimeout: number;
  readonly heartbeat: number;
  readonly maxPollWait: number;
  readonly replay: number;
  readonly maxBufferedBytes: number;
  readonly retryAfterSeconds: number;
  readonly trustProxy: boolean;
  readonly maxEventBytes: number;
  readonly sse: {
    readonly formatId: (id: number) => string;
    readonly parseId: (text: string) => number | undefined;
    readonly greeting: string;
    readonly heartbeat: string;
  };
  readonly refusal: LiveHubOptions['refusal'];
  readonly meterProvider: MeterProviderLike | false | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Validates hub options, naming the option in each `TelltaleConfigError`. */
export function resolveHubOptions(input: LiveHubOptions): ResolvedHubOptions {
  const given = validate.object('options', input);
  const authorize = validate.optionalFunction<Authorize>('authorize', given.authorize);
  if (!authorize) throw new TelltaleConfigError({ option: 'authorize', value: undefined, expected: 'a function' });
  const basePath = validate.nonEmptyString('basePath', given.basePath, '/live').replace(/\/+$/, '');
  if (!/^\/[\w.~\-/]*$/.test(basePath) || basePath === '') {
    throw new TelltaleConfigError({ option: 'basePath', value: given.basePath, expected: 'a path such as "/live"' });
  }
  const broker = given.broker;
  if (broker !== undefined && (typeof broker !== 'object' || typeof broker.publish !== 'function')) {
    throw new TelltaleConfigError({ option: 'broker', value: broker, expected: 'a LiveBroker' });
  }
  if (broker !== undefined && given.history !== undefined) {
    throw new TelltaleConfigError({
      option: 'history',
      value: given.history,
      expected: 'no value when a broker is given (set history on the broker)',
    });
  }
  const clock = given.clock ?? systemClock;
  return {
    authorize,
    basePath,
    topics: compileTopicPatterns('topics', given.topics),
    broker: broker ?? memoryBroker({ history: validate.positiveInteger('history', given.history, 100), clock }),
    maxConnectionsPerKey: validate.positiveInteger('maxConnectionsPerKey', given.maxConnectionsPerKey, 3),
    maxConnections: validate.positiveInteger('maxConnections', given.maxConnections, 10_000),
    idleTimeout: positiveDuration('idleTimeout', given.idleTimeout, '5m'),
    heartbeat: positiveDuration('heartbeat', given.heartbeat, '15s'),
    maxPollWait: validate.duration('maxPollWait', given.maxPollWait, '30s'),
    replay: validate.nonNegativeInteger('replay', given.replay, 1),
    maxBufferedBytes: validate.positiveInteger('maxBufferedBytes', given.maxBufferedBytes, 1024 * 1024),
    retryAfterSeconds: Math.max(1, Math.ceil(validate.duration('retryAfter', given.retryAfter, '5s') / 1000)),
    trustProxy: given.trustProxy === undefined ? false : booleanOption('trustProxy', given.trustProxy),
    maxEventBytes: validate.positiveInteger('maxEventBytes', given.maxEventBytes, 64 * 1024),
    sse: resolveSseFormat(given.sse),
    refusal: validate.optionalFunction<NonNullable<LiveHubOptions['refusal']>>('refusal', given.refusal),
    meterProvider: given.meterProvider,
    clock,
    logger: resolveLogger(given.logger),
  };
}

function positiveDuration(option: string, value: unknown, fallback: DurationInput): number {
  const milliseconds = validate.duration(option, value, fallback);
  if (milliseconds <= 0) throw new TelltaleConfigError({ option, value, expected: 'a duration > 0' });
  return milliseconds;
}

function booleanOption(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TelltaleConfigError({ option, value, expected: 'a boolean' });
  return value;
}

const DECIMAL_ID = /^\d{1,15}$/;

function resolveSseFormat(input: LiveSseFormat | undefined): ResolvedHubOptions['sse'] {
  const format = validate.object('sse', input);
  const eventId = format.eventId;
  if (eventId !== undefined && (typeof eventId.format !== 'function' || typeof eventId.parse !== 'function')) {
    throw new TelltaleConfigError({ option: 'sse.eventId', value: eventId, expected: '{ format(id), parse(text) }' });
  }
  return {
    formatId: eventId ? (id) => eventId.format(id) : String,
    parseId: (text) => {
      const trimmed = text.trim();
      const id = eventId ? eventId.parse(trimmed) : DECIMAL_ID.test(trimmed) ? Number(trimmed) : undefined;
      return id !== undefined && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
    },
    greeting: commentText('sse.greeting', format.greeting),
    heartbeat: commentText('sse.heartbeatComment', format.heartbeatComment),
  };
}

// A newline would end the comment and let the rest forge SSE fields.
function commentText(option: string, value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || /[\r\n]/.test(value)) {
    throw new TelltaleConfigError({ option, value, expected: 'a string without line breaks' });
  }
  return value;
}
