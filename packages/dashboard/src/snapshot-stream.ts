import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLiveHub, type LiveRefusal } from '@telltale/live';
import type { Clock, Logger } from '@telltale/core';

/** What {@link createSnapshotStream} needs from the dashboard's options. */
export interface SnapshotStreamOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Seed of the event ids (`<bootId>-<sequence>`), so ids of an earlier process never look current. */
  readonly bootId: string;
  readonly tick: number;
  readonly heartbeat: number;
  readonly idleTimeout: number;
  readonly maxClients: number;
  readonly maxClientsPerAddress: number;
  readonly clientAddress: (request: IncomingMessage) => string;
}

/**
 * The SSE side of the dashboard. Each audience is a topic of an in-process
 * `@telltale/live` hub: `snapshots/full` (health details) and
 * `snapshots/public` (without). The dashboard decides which topic a viewer
 * gets; the hub does the fan-out (one serialisation per event and topic),
 * the per-address and global caps, heartbeats, slow-consumer drops and the
 * `Last-Event-ID` resume. The wire format is the dashboard's own: ids
 * `<bootId>-<sequence>`, a `:connected` greeting, `:heartbeat` comments and
 * a 503 naming the cap's scope.
 */
export function createSnapshotStream(options: SnapshotStreamOptions) {
  const { bootId } = options;
  const prefix = `${bootId}-`;
  const refusal = ({ reason, limit = options.maxClients }: LiveRefusal) => {
    const scope = reason === 'key_limit' ? 'address' : 'global';
    const where = scope === 'global' ? 'in total' : 'from your address';
    return {
      status: 503,
      body: {
        error: `too many dashboard connections ${where} (limit ${limit}); poll snapshot.json instead`,
        scope,
        limit,
      },
    };
  };
  const hub = createLiveHub({
    topics: ['snapshots/full', 'snapshots/public'],
    // The dashboard's own `authorize.view` already ran; the key is what the per-address cap counts.
    authorize: (request) => ({ allow: true, key: options.clientAddress(request) }),
    // A snapshot is complete: only the latest matters to a resuming page.
    history: 1,
    maxConnections: options.maxClients,
    maxConnectionsPerKey: options.maxClientsPerAddress,
    heartbeat: options.heartbeat,
    idleTimeout: options.idleTimeout,
    retryAfter: Math.ceil(options.tick / 1000) * 5 * 1000,
    maxEventBytes: 16 * 1024 * 1024,
    sse: {
      eventId: {
        format: (id) => `${prefix}${id}`,
        parse: (text) =>
          text.startsWith(prefix) && /^\d{1,15}$/.test(text.slice(prefix.length))
            ? Number(text.slice(prefix.length))
            : undefined,
      },
      greeting: 'connected',
      heartbeatComment: 'heartbeat',
    },
    refusal,
    clock: options.clock,
    logger: options.logger,
  });

  return {
    /** Opens a stream of the viewer's variant (or answers the 503 of a cap). */
    serve: (request: IncomingMessage, response: ServerResponse, details: boolean): Promise<void> =>
      hub.serve(request, response, details ? 'snapshots/full' : 'snapshots/public', { transport: 'sse' }),
    /** Sends snapshot number `sequence` to every viewer, each audience its variant. */
    async publish(sequence: number, json: string, publicJson: string, data: unknown, publicData: unknown) {
      await Promise.all([
        hub.publish('snapshots/full', { type: 'snapshot', id: sequence, data, dataJson: json }),
        hub.publish('snapshots/public', { type: 'snapshot', id: sequence, data: publicData, dataJson: publicJson }),
      ]);
    },
    /** Open streams. */
    get clients(): number {
      return hub.stats().connections;
    },
    close: (): Promise<void> => hub.close(),
  };
}

/** The dashboard's SSE side. See {@link createSnapshotStream}. */
export type SnapshotStream = ReturnType<typeof createSnapshotStream>;
