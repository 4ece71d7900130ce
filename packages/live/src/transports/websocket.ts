import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Lease, LiveConnection } from '../connection.js';
import { WS_END } from '../frames.js';
import { NOT_FOUND, rejectUpgrade } from '../http-responses.js';
import { admitRequest, isAnswer, parseEventId, parseTarget } from '../gate.js';
import type { TransportContext } from './context.js';
import { replay } from './replay.js';

/** Close codes sent to WebSocket clients. */
const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;
/** Application range: the hub closed an idle stream. */
const CLOSE_IDLE = 4000;

/**
 * Serves WebSocket upgrades under the base path: same `authorize`, same
 * caps, resume with `?lastEventId=`. Each event is one text message
 * `{"id","type","data"}`, the same string for every client.
 */
export function createWebSocketTransport(context: TransportContext): {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
} {
  const { options, registry, telemetry } = context;
  // Clients send nothing meaningful: small frames only, no compression (serialised once, sent as is).
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: 4096,
    perMessageDeflate: false,
    clientTracking: false,
  });

  const open = async (
    socket: WebSocket,
    topic: string,
    lease: Lease,
    resumeId: number | undefined,
    requestedAt: number,
  ): Promise<void> => {
    let alive = true;
    const connection: LiveConnection = {
      transport: 'websocket',
      topic,
      key: lease.key,
      requestedAt,
      lastSentId: resumeId ?? 0,
      lastActivity: options.clock.now(),
      bufferedBytes: () => socket.bufferedAmount,
      write: (prepared) => socket.send(prepared.jsonBytes, { binary: false }),
      heartbeat() {
        if (!alive) return false;
        alive = false;
        socket.ping();
        return true;
      },
      close(reason) {
        if (socket.readyState !== socket.OPEN) return;
        if (reason === 'slow' || reason === 'unresponsive') socket.terminate();
        else if (reason === 'ended') {
          socket.send(WS_END);
          socket.close(CLOSE_NORMAL, 'topic ended');
        } else if (reason === 'idle') socket.close(CLOSE_IDLE, 'idle timeout');
        else socket.close(CLOSE_GOING_AWAY, 'server closing');
      },
    };
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('message', () => registry.touch(connection));
    socket.on('error', () => registry.remove(connection, 'client'));
    socket.once('close', () => registry.remove(connection, 'client'));
    await registry.add(connection, lease);
    if (socket.readyState !== socket.OPEN) return registry.remove(connection, 'client');
    await replay(context, connection, resumeId, (prepared) => socket.send(prepared.json));
    registry.replayed(connection);
  };

  const upgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer, topic: string): Promise<void> => {
    const requestedAt = options.clock.now();
    const query = new URLSearchParams((request.url ?? '').split('?')[1] ?? '');
    const admitted = await admitRequest(options, registry, telemetry, request, topic, 'websocket');
    if (isAnswer(admitted)) return rejectUpgrade(socket, admitted);
    // Until the handshake completes, a vanished socket must give its slot back.
    const onEarlyClose = (): void => admitted.release();
    socket.once('close', onEarlyClose);
    server.handleUpgrade(request, socket, head, (webSocket) => {
      socket.removeListener('close', onEarlyClose);
      open(webSocket, topic, admitted, parseEventId(query.get('lastEventId')), requestedAt).catch((error: unknown) => {
        options.logger.error({ err: error, topic }, 'live: websocket stream failed');
        webSocket.terminate();
      });
    });
  };

  return {
    handleUpgrade(request, socket, head) {
      const target = parseTarget(request.url ?? '/', options.basePath);
      if (target === null) return false;
      socket.on('error', () => socket.destroy());
      if (target === undefined || !options.topics.match(target.topic)) {
        rejectUpgrade(socket, NOT_FOUND);
        return true;
      }
      upgrade(request, socket, head, target.topic).catch((error: unknown) => {
        options.logger.error({ err: error }, 'live: websocket upgrade failed');
        socket.destroy();
      });
      return true;
    },
    close() {
      server.close();
    },
  };
}
