import type { TimerHandle } from '@telltale/core';
import type { BrokerEvent, BrokerMessage, BrokerSubscription } from './broker.js';
import type { LiveConnection, Lease } from './connection.js';
import { PreparedEvent } from './frames.js';
import { ConnectionCaps } from './caps.js';
import type { LiveTransport, ResolvedHubOptions } from './hub-options.js';
import type { JsonAnswer } from './http-responses.js';
import type { DisconnectReason, LiveTelemetry } from './telemetry.js';

interface TopicState {
  readonly connections: Set<LiveConnection>;
  readonly waiters: Set<(event: BrokerEvent | undefined) => void>;
  readonly subscription: BrokerSubscription;
}

interface Entry {
  readonly lease: Lease;
  /** Events that arrived while the resume replay was being written. */
  pending: PreparedEvent[] | undefined;
  idleTimer: TimerHandle | undefined;
}

/** Counts of {@link LiveHub.stats}. */
export interface RegistryStats {
  readonly connections: number;
  readonly byTransport: Readonly<Record<LiveTransport, number>>;
  readonly topics: number;
  readonly keys: number;
}

const LAST_ID_MEMORY = 10_000;

/**
 * Every open stream of one hub: admission through its caps, per-topic
 * fan-out from the broker, idle timers and the heartbeat. Each event is
 * serialised once and the same bytes go to every client of the topic.
 */
export class ConnectionRegistry {
  readonly #options: ResolvedHubOptions;
  readonly #telemetry: LiveTelemetry;
  readonly #topics = new Map<string, TopicState>();
  readonly #entries = new Map<LiveConnection, Entry>();
  // Highest id seen per topic, so a fallback id (broker down) still goes up.
  readonly #lastIds = new Map<string, number>();
  #heartbeatTimer: TimerHandle | undefined;
  #closing = false;

  /** The connection caps, per key and in total. */
  readonly caps: ConnectionCaps;

  constructor(options: ResolvedHubOptions, telemetry: LiveTelemetry) {
    this.#options = options;
    this.#telemetry = telemetry;
    this.caps = new ConnectionCaps(options, telemetry);
  }

  /** Takes a slot for `key` on this instance, or says why not (429 per key, 503 global or closing). */
  admit(key: string): Lease | JsonAnswer {
    return this.caps.admit(key, this.#closing);
  }

  /**
   * Registers a stream whose resume replay is about to be written: live
   * events are held back until {@link ConnectionRegistry.replayed}.
   * Resolves once the broker subscription is active.
   */
  async add(connection: LiveConnection, lease: Lease): Promise<void> {
    this.#entries.set(connection, { lease, pending: [], idleTimer: undefined });
    const state = this.#topic(connection.topic);
    state.connections.add(connection);
    this.#scheduleIdle(connection);
    this.#startHeartbeat();
    await state.subscription.ready;
  }

  /** Ends the replay phase: writes what arrived meanwhile and opens the stream to live events. */
  replayed(connection: LiveConnection): void {
    const entry = this.#entries.get(connection);
    if (!entry) return;
    const pending = entry.pending ?? [];
    entry.pending = undefined;
    for (const prepared of pending) this.#send(connection, prepared);
    this.#telemetry.opened(connection.transport, (this.#options.clock.now() - connection.requestedAt) / 1000);
  }

  /** Removes a stream and closes its transport. Safe to call twice. */
  remove(connection: LiveConnection, reason: DisconnectReason): void {
    const entry = this.#entries.get(connection);
    if (!entry) return;
    this.#entries.delete(connection);
    if (entry.idleTimer !== undefined) this.#options.clock.clearTimeout(entry.idleTimer);
    entry.lease.release();
    if (entry.pending === undefined) {
      this.#telemetry.closed(connection.transport, (this.#options.clock.now() - connection.requestedAt) / 1000, reason);
    }
    const state = this.#topics.get(connection.topic);
    state?.connections.delete(connection);
    if (state) this.#releaseTopic(connection.topic, state);
    if (this.#entries.size === 0) this.#stopHeartbeat();
    connection.close(reason);
  }

  /**
   * Resolves with the next event of `topic` newer than `afterId`, or
   * `undefined` after `milliseconds` (or when the hub closes).
   */
  async waitForEvent(topic: string, milliseconds: number): Promise<BrokerEvent | undefined> {
    const state = this.#topic(topic);
    await state.subscription.ready;
    return await new Promise((resolve) => {
      const done = (event: BrokerEvent | undefined): void => {
        this.#options.clock.clearTimeout(timer);
        state.waiters.delete(done);
        this.#releaseTopic(topic, state);
        resolve(event);
      };
      // Not a background timer: the poll's answer waits for it.
      const timer = this.#options.clock.setTimeout(() => done(undefined), milliseconds);
      state.waiters.add(done);
    });
  }

  /** Delivers an event to this instance's clients (from the broker, or directly when it is down). */
  deliver(topic: string, event: BrokerEvent): void {
    this.noteId(topic, event.id);
    const state = this.#topics.get(topic);
    if (!state) return;
    for (const waiter of [...state.waiters]) waiter(event);
    if (state.connections.size === 0) return;
    const prepared = new PreparedEvent(event, this.#options.sse.formatId);
    const counts = { sse: 0, websocket: 0, polling: 0 };
    let dropped = 0;
    for (const connection of [...state.connections]) {
      const entry = this.#entries.get(connection);
      if (!entry || event.id <= connection.lastSentId) continue;
      if (entry.pending) {
        entry.pending.push(prepared);
      } else if (this.#send(connection, prepared)) {
        counts[connection.transport]++;
      } else {
        dropped++;
      }
    }
    const latency = Math.max(0, this.#options.clock.now() - event.publishedAt) / 1000;
    for (const transport of ['sse', 'websocket', 'polling'] as const) {
      if (counts[transport] > 0) this.#telemetry.delivered(transport, counts[transport], latency);
    }
    if (dropped > 0) this.#options.logger.warn({ topic, dropped }, 'live: dropped slow clients');
  }

  /** Closes every stream of `topic` (after the final `end` event). */
  endTopic(topic: string): void {
    const state = this.#topics.get(topic);
    this.#lastIds.delete(topic);
    if (!state) return;
    for (const connection of [...state.connections]) this.remove(connection, 'ended');
    for (const waiter of [...state.waiters]) waiter(undefined);
  }

  /** Highest id this instance has seen on `topic` (0 when none). */
  lastId(topic: string): number {
    return this.#lastIds.get(topic) ?? 0;
  }

  /** Records an id seen on `topic`, keeping a bounded memory of topics. */
  noteId(topic: string, id: number): void {
    const known = this.#lastIds.get(topic) ?? 0;
    this.#lastIds.delete(topic);
    this.#lastIds.set(topic, Math.max(known, id));
    if (this.#lastIds.size > LAST_ID_MEMORY) this.#lastIds.delete(this.#lastIds.keys().next().value!);
  }

  /** Refuses new streams and closes every open one. */
  closeAll(): void {
    this.#closing = true;
    for (const connection of [...this.#entries.keys()]) this.remove(connection, 'closed');
    for (const state of [...this.#topics.values()]) for (const waiter of [...state.waiters]) waiter(undefined);
    this.#stopHeartbeat();
  }

  get closing(): boolean {
    return this.#closing;
  }

  stats(): RegistryStats {
    const byTransport = { sse: 0, websocket: 0, polling: 0 };
    for (const connection of this.#entries.keys()) byTransport[connection.transport]++;
    return { connections: this.#entries.size, byTransport, topics: this.#topics.size, keys: this.caps.keys };
  }

  /** True while `connection` is registered (not yet removed). */
  has(connection: LiveConnection): boolean {
    return this.#entries.has(connection);
  }

  /** Records client activity (a WebSocket message), postponing the idle close. */
  touch(connection: LiveConnection): void {
    connection.lastActivity = this.#options.clock.now();
  }

  #send(connection: LiveConnection, prepared: PreparedEvent): boolean {
    if (prepared.event.id <= connection.lastSentId) return true;
    if (connection.bufferedBytes() > this.#options.maxBufferedBytes) {
      this.#telemetry.dropped(connection.transport, 1);
      this.remove(connection, 'slow');
      return false;
    }
    connection.write(prepared);
    connection.lastSentId = prepared.event.id;
    connection.lastActivity = this.#options.clock.now();
    return true;
  }

  #topic(topic: string): TopicState {
    let state = this.#topics.get(topic);
    if (state) return state;
    const subscription = this.#options.broker.subscribe(topic, (message: BrokerMessage) => {
      if (message.kind === 'end') this.endTopic(topic);
      else this.deliver(topic, message.event);
    });
    state = { connections: new Set(), waiters: new Set(), subscription };
    this.#topics.set(topic, state);
    return state;
  }

  #releaseTopic(topic: string, state: TopicState): void {
    if (state.connections.size > 0 || state.waiters.size > 0 || this.#topics.get(topic) !== state) return;
    this.#topics.delete(topic);
    state.subscription.dispose();
  }

  // Lazy idle check: one timer per stream, re-armed only when it fires.
  #scheduleIdle(connection: LiveConnection): void {
    const entry = this.#entries.get(connection);
    if (!entry) return;
    const { clock, idleTimeout } = this.#options;
    const due = connection.lastActivity + idleTimeout - clock.now();
    entry.idleTimer = clock.setTimeout(
      () => {
        entry.idleTimer = undefined;
        if (clock.now() - connection.lastActivity >= idleTimeout) this.remove(connection, 'idle');
        else this.#scheduleIdle(connection);
      },
      Math.max(0, due),
      { background: true },
    );
  }

  #startHeartbeat(): void {
    if (this.#heartbeatTimer !== undefined) return;
    const { clock, heartbeat } = this.#options;
    const beat = (): void => {
      this.#heartbeatTimer = undefined;
      for (const [connection, entry] of [...this.#entries]) {
        if (entry.pending) continue;
        if (!connection.heartbeat()) this.remove(connection, 'unresponsive');
      }
      if (this.#entries.size > 0) this.#heartbeatTimer = clock.setTimeout(beat, heartbeat, { background: true });
    };
    this.#heartbeatTimer = clock.setTimeout(beat, heartbeat, { background: true });
  }

  #stopHeartbeat(): void {
    if (this.#heartbeatTimer !== undefined) this.#options.clock.clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }
}
