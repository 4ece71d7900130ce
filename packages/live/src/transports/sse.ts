import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveConnection, Lease } from '../connection.js';
import { SSE_END, SSE_HEARTBEAT } from '../frames.js';
import { SECURITY_HEADERS } from '../http-responses.js';
import type { TransportContext } from './context.js';
import { replay } from './replay.js';

/** Opens a Server-Sent Events stream on `response` for an admitted request. */
export async function serveSse(
  context: TransportContext,
  request: IncomingMessage,
  response: ServerResponse,
  topic: string,
  lease: Lease,
  resumeId: number | undefined,
  requestedAt: number,
): Promise<void> {
  const { registry, options } = context;
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    connection: 'keep-alive',
    // Proxies such as nginx would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  response.write(`retry: 3000\n\n`);
  const connection: LiveConnection = {
    transport: 'sse',
    topic,
    key: lease.key,
    requestedAt,
    lastSentId: resumeId ?? 0,
    lastActivity: options.clock.now(),
    bufferedBytes: () => response.writableLength,
    write: (prepared) => response.write(prepared.sse),
    heartbeat: () => {
      response.write(SSE_HEARTBEAT);
      return true;
    },
    close(reason) {
      if (reason === 'ended' && !response.writableEnded) response.end(SSE_END);
      else if (reason === 'slow' || reason === 'unresponsive') response.destroy();
      else if (!response.writableEnded) response.end();
    },
  };
  let gone = false;
  response.once('close', () => {
    gone = true;
    registry.remove(connection, 'client');
  });
  request.socket.setNoDelay(true);
  await registry.add(connection, lease);
  if (gone) return registry.remove(connection, 'client');
  await replay(context, connection, resumeId, (prepared) => response.write(prepared.sse));
  registry.replayed(connection);
}
