// The types of @telltale/live/client, structural so no DOM typings are needed.

/**
 * A transport the client can use, tried in the order given.
 *
 * @example
 * ```ts
 * import type { ClientTransport } from '@telltale/live/client';
 * const transports: ClientTransport[] = ['websocket', 'polling'];
 * ```
 */
export type ClientTransport = 'sse' | 'websocket' | 'polling';

/**
 * An event received by {@link subscribe}.
 *
 * @example
 * ```ts
 * import type { ClientEvent } from '@telltale/live/client';
 * const onEvent = (event: ClientEvent) => console.log(event.id, event.type, event.data);
 * ```
 */
export interface ClientEvent {
  readonly id: number;
  readonly type: string;
  readonly data: unknown;
}

export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  addEventListener(type: string, listener: (event: { type: string; data: string; lastEventId: string }) => void): void;
  close(): void;
}
export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}
export interface FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; credentials: string; signal: unknown },
) => Promise<FetchResponseLike>;

/**
 * Options of {@link subscribe}.
 *
 * @example
 * ```ts
 * import type { SubscribeOptions } from '@telltale/live/client';
 * const options: SubscribeOptions = { transports: ['sse', 'websocket', 'polling'], types: ['progress', 'done'] };
 * ```
 */
export interface SubscribeOptions {
  /** Transports in order of preference. Default `['sse', 'websocket', 'polling']`. */
  transports?: readonly ClientTransport[];
  /** Event types to receive over SSE besides `message` (EventSource delivers only listened types). */
  types?: readonly string[];
  /** Resume after this id on the first connection. */
  lastEventId?: number;
  /** First reconnect delay ceiling in milliseconds (full jitter, doubling). Default 500. */
  initialDelay?: number;
  /** Largest reconnect delay in milliseconds. Default 30,000. */
  maxDelay?: number;
  /** Long-poll wait in seconds. Default 25. */
  pollWait?: number;
  /** Send cookies cross-origin (EventSource `withCredentials`, fetch `credentials: 'include'`). */
  withCredentials?: boolean;
  /** Transport changes, for a status indicator. */
  onStatus?: (status: {
    state: 'connecting' | 'open' | 'waiting' | 'ended' | 'closed';
    transport?: ClientTransport;
  }) => void;
  /** A refusal that retrying cannot fix (401, 403, 404): the subscription stops. */
  onError?: (error: { status: number; body: unknown }) => void;
  /** Injected implementations; default the globals of the same name. */
  EventSource?: new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;
  WebSocket?: new (url: string) => WebSocketLike;
  fetch?: FetchLike;
}

/**
 * A running subscription.
 *
 * @example
 * ```ts
 * import type { Subscription } from '@telltale/live/client';
 * declare const subscription: Subscription;
 * await subscription.close();
 * ```
 */
export interface Subscription {
  /**
   * Stops for good: closes the transport and reports the `closed` status once, nothing after it.
   * Returns a Promise like every `close()` in Telltale, already settled (it does not wait for the server).
   */
  close(): Promise<void>;
  /** Id of the last event received. */
  readonly lastEventId: number | undefined;
  /** The transport in use, if connected. */
  readonly transport: ClientTransport | undefined;
}
