import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  // Vendor payloads are asserted field by field; a loose type keeps the tests readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface PeerReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | object;
}

export interface HttpPeer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 whose handler plays a vendor's documented behaviour. */
export async function startPeer(
  handler: (request: RecordedRequest, index: number) => PeerReply | Promise<PeerReply>,
): Promise<HttpPeer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const request: RecordedRequest = {
        method: incoming.method ?? '',
        path: incoming.url ?? '',
        headers: incoming.headers,
        body,
        json,
      };
      requests.push(request);
      void Promise.resolve(handler(request, requests.length - 1)).then((reply) => {
        const payload =
          reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        const contentType = typeof reply.body === 'object' ? 'application/json' : 'text/plain';
        outgoing.writeHead(reply.status, { 'content-type': contentType, ...reply.headers });
        outgoing.end(payload);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Collects everything a logger is given, to assert secrets never reach it. */
export function captureLogger(): {
  logger: Record<'debug' | 'info' | 'warn' | 'error', (...args: unknown[]) => void>;
  text(): string;
} {
  const entries: unknown[] = [];
  const log = (...args: unknown[]) => entries.push(args);
  return {
    logger: { debug: log, info: log, warn: log, error: log },
    text: () =>
      JSON.stringify(entries, (_key, value: unknown) =>
        value instanceof Error ? { message: value.message, cause: String(value.cause) } : value,
      ),
  };
}
