import { options as validate, systemClock, type Clock, type TimerHandle } from '@telltale/core';

/**
 * The part of a writable HTTP response the broadcaster needs. A
 * `node:http` `ServerResponse` (with its headers already sent) fits.
 *
 * @example
 * ```ts
 * import type { SseSink } from './sse-broadcaster.js';
 * response.writeHead(200, { 'content-type': 'text/event-stream' });
 * const sink: SseSink = response;
 * ```
 */
export interface SseSink {
  write(chunk: Uint8Array): boolean;
  /** Bytes queued and not yet handed to the kernel. */
  readonly writableLength: number;
  end(): void;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  removeListener(event: 'close' | 'drain', listener: () => void): unknown;
}

/**
 * Options of {@link createSseBroadcaster}.
 *
 * @example
 * ```ts
 * import type { SseBroadcasterOptions } from './sse-broadcaster.js';
 * const options: SseBroadcasterOptions = { heartbeat: '15s', idleTimeout: '1m', maxClients: 100, maxClientsPerAddress: 5 };
 * ```
 */
export interface SseBroadcasterOptions {
  /** Interval of heartbeat comments that keep proxies from closing quiet streams. Default `'15s'`. */
  heartbeat?: number | string;
  /** A client that accepts no data for this long is disconnected. Default `'1m'`. */
  idleTimeout?: number | string;
  /** Connections across all addresses. Default 200. */
  maxClients?: number;
  /** Connections from one address. Default 10. */
  maxClientsPerAddress?: number;
  /** A client with more bytes than this queued is skipped until it drains. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Reconnection delay sent to browsers in the `retry:` field, in milliseconds. Default 3000. */
  reconnectDelay?: number;
  clock?: Clock;
  /** Called when the first client connects (start producing snapshots). */
  onActive?: () => void;
  /** Called when the last client leaves (stop producing snapshots). */
  onIdle?: () => void;
}

/**
 * Why a connection was refused by {@link SseBroadcaster.admit}.
 *
 * @example
 * ```ts
 * const refusal = broadcaster.admit(address);
 * if (refusal) response.writeHead(503).end(`too many connections (${refusal.scope} limit ${refusal.limit})`);
 * ```
 */
export interface SseRefusal {
  readonly scope: 'global' | 'address';
  readonly limit: number;
}

/**
 * Fan-out of one serialised event to many Server-Sent Events clients.
 *
 * @example
 * ```ts
 * import { createSseBroadcaster, type SseBroadcaster } from './sse-broadcaster.js';
 * const broadcaster: SseBroadcaster = createSseBroadcaster();
 * broadcaster.publish('1', 'snapshot', JSON.stringify(state));
 * ```
 */
export interface SseBroadcaster {
  /** `undefined` when `address` may connect now, else why not. */
  admit(address: string): SseRefusal | undefined;
  /**
   * Adds a client whose headers are sent. Sends the latest event at once
   * unless `lastEventId` says the client already has it. A `restricted`
   * client receives the `restrictedData` variant of each event.
   */
  attach(sink: SseSink, address: string, lastEventId?: string, restricted?: boolean): void;
  /**
   * Frames `data` once (it must not contain newlines) and writes it to every
   * client; restricted clients get `restrictedData` when given.
   */
  publish(id: string, event: string, data: string, restrictedData?: string): void;
  /** Id of the latest published event. */
  readonly latestId: string | undefined;
  /** Connected clients. */
  readonly size: number;
  /** Disconnects every client and stops the heartbeat. */
  close(): void;
}

interface Client {
  readonly sink: SseSink;
  readonly address: string;
  readonly restricted: boolean;
  /** When the client's buffer first exceeded the limit; `undefined` while it keeps up. */
  stalledSince: number | undefined;
  readonly onClose: () => void;
  readonly onDrain: () => void;
}

/**
 * Creates a broadcaster for Server-Sent Events: each event is serialised
 * once into a shared buffer and written to every client, slow clients are
 * skipped (a newer full snapshot supersedes what they missed) and dropped
 * after `idleTimeout`, and heartbeat comments keep idle streams open.
 * Internal to the dashboard (not exported from `@telltale/dashboard`;
 * `@telltale/live` is the public streaming package).
 *
 * @example
 * ```ts
 * import { createSseBroadcaster } from './sse-broadcaster.js';
 * const broadcaster = createSseBroadcaster({ maxClients: 100, heartbeat: '15s' });
 * // in a request handler, after writing text/event-stream headers:
 * if (!broadcaster.admit(address)) broadcaster.attach(response, address, request.headers['last-event-id']);
 * broadcaster.publish('1', 'snapshot', JSON.stringify({ ok: true }));
 * ```
 */
export function createSseBroadcaster(options: SseBroadcasterOptions = {}): SseBroadcaster {
  const heartbeat = validate.duration('heartbeat', options.heartbeat, '15s');
  const idleTimeout = validate.duration('idleTimeout', options.idleTimeout, '1m');
  const maxClients = validate.positiveInteger('maxClients', options.maxClients, 200);
  const maxClientsPerAddress = validate.positiveInteger('maxClientsPerAddress', options.maxClientsPerAddress, 10);
  const maxBufferedBytes = validate.positiveInteger('maxBufferedBytes', options.maxBufferedBytes, 1024 * 1024);
  const reconnectDelay = validate.nonNegativeInteger('reconnectDelay', options.reconnectDelay, 3000);
  const clock = options.clock ?? systemClock;

  const clients = new Set<Client>();
  const perAddress = new Map<string, number>();
  let latestId: string | undefined;
  let latestFrame: Buffer | undefined;
  let latestRestrictedFrame: Buffer | undefined;
  let heartbeatTimer: TimerHandle | undefined;
  let closed = false;
  const heartbeatFrame = Buffer.from(':heartbeat\n\n');
  const openingFrame = Buffer.from(`retry: ${reconnectDelay}\n:connected\n\n`);

  const remove = (client: Client): void => {
    if (!clients.delete(client)) return;
    client.sink.removeListener('close', client.onClose);
    client.sink.removeListener('drain', client.onDrain);
    const count = (perAddress.get(client.address) ?? 1) - 1;
    if (count <= 0) perAddress.delete(client.address);
    else perAddress.set(client.address, count);
    if (clients.size === 0) {
      stopHeartbeat();
      if (!closed) options.onIdle?.();
    }
  };

  const disconnect = (client: Client): void => {
    remove(client);
    client.sink.end();
  };

  // Writes to one client unless it is too far behind; a stalled client is
  // dropped once it has accepted nothing for idleTimeout.
  const send = (client: Client, frame: Buffer, now: number): void => {
    if (client.sink.writableLength > maxBufferedBytes) {
      client.stalledSince ??= now;
      if (now - client.stalledSince >= idleTimeout) disconnect(client);
      return;
    }
    client.sink.write(frame);
  };

  const sendAll = (frame: Buffer, restrictedFrame: Buffer = frame): void => {
    const now = clock.now();
    for (const client of clients) send(client, client.restricted ? restrictedFrame : frame, now);
  };

  const beat = (): void => {
    heartbeatTimer = undefined;
    if (clients.size === 0) return;
    sendAll(heartbeatFrame);
    heartbeatTimer = clock.setTimeout(beat, heartbeat, { background: true });
  };

  const stopHeartbeat = (): void => {
    if (heartbeatTimer !== undefined) clock.clearTimeout(heartbeatTimer);
    heartbeatTimer = undefined;
  };

  return {
    admit(address) {
      if (closed || clients.size >= maxClients) return { scope: 'global', limit: maxClients };
      if ((perAddress.get(address) ?? 0) >= maxClientsPerAddress) {
        return { scope: 'address', limit: maxClientsPerAddress };
      }
      return undefined;
    },
    attach(sink, address, lastEventId, restricted = false) {
      const client: Client = {
        sink,
        address,
        restricted,
        stalledSince: undefined,
        onClose: () => remove(client),
        onDrain: () => {
          client.stalledSince = undefined;
        },
      };
      const first = clients.size === 0;
      clients.add(client);
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
      sink.on('close', client.onClose);
      sink.on('drain', client.onDrain);
      sink.write(openingFrame);
      const frame = restricted ? latestRestrictedFrame : latestFrame;
      if (frame !== undefined && lastEventId !== latestId) sink.write(frame);
      if (heartbeatTimer === undefined) heartbeatTimer = clock.setTimeout(beat, heartbeat, { background: true });
      if (first) options.onActive?.();
    },
    publish(id, event, data, restrictedData) {
      latestId = id;
      latestFrame = Buffer.from(`id: ${id}\nevent: ${event}\ndata: ${data}\n\n`);
      latestRestrictedFrame =
        restrictedData === undefined || restrictedData === data
          ? latestFrame
          : Buffer.from(`id: ${id}\nevent: ${event}\ndata: ${restrictedData}\n\n`);
      sendAll(latestFrame, latestRestrictedFrame);
    },
    get latestId() {
      return latestId;
    },
    get size() {
      return clients.size;
    },
    close() {
      closed = true;
      stopHeartbeat();
      for (const client of [...clients]) disconnect(client);
    },
  };
}
