import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveConnection, Lease } from '../connection.js';
import { SSE_END, sseComment } from '../frames.js';
import type { TransportContext } from './context.js';
import { replay } from './replay.js';

// Kept short on purpose: Node retains each response's header block for the
// life of the stream, and a document-only header such as a CSP would cost
// hundreds of bytes per open connection. An event stream is never rendered
// as a document (its type is not HTML and sniffing is off).
const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-content-type-options': 'nosniff',
  // Proxies such as nginx would otherwise buffer the stream.
  'x-accel-buffering': 'no',
};

const greeting = (text: string): string => (text === '' ? '' : `:${text}\n`);

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
  request.socket.setNoDelay(true);
  // A stream outlives any server.timeout the app set for ordinary requests.
  request.socket.setTimeout(0);
  // The stream ends only when the connection does, so chunked framing would
  // add extra socket writes per event for nothing.
  response.useChunkedEncodingByDefault = false;
  response.writeHead(200, STREAM_HEADERS);
  response.write(`retry: 3000\n${greeting(options.sse.greeting)}\n`);
  const heartbeatFrame = sseComment(options.sse.heartbeat);
  const connection: LiveConnection = {
    transport: 'sse',
    topic,
    key: lease.key,
    requestedAt,
    lastSentId: resumeId ?? 0,
    lastActivity: options.clock.now(),
    bufferedBytes: () => response.writableLength,
    write: (prepared) => response.write(prepared.sseBytes),
    heartbeat: () => {
      response.write(heartbeatFrame);
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
  await registry.add(connection, lease);
  if (gone) return registry.remove(connection, 'client');
  await replay(context, connection, resumeId, (prepared) => response.write(prepared.sse));
  registry.replayed(connection);
}
