import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { createLiveHub, type LiveHub, type LiveHubOptions } from '@telltale/live';
import { withLive } from '@telltale/live/node';

export interface TestHub {
  hub: LiveHub;
  server: Server;
  base: string;
  close(): Promise<void>;
}

const allowAll: LiveHubOptions['authorize'] = () => ({ allow: true, key: 'anonymous' });

/** A hub on a real node:http server on 127.0.0.1:0 (SSE, polling and WebSocket). */
export async function startHub(options: Partial<LiveHubOptions> = {}): Promise<TestHub> {
  const hub = createLiveHub({ authorize: allowAll, ...options });
  const server = createServer();
  server.on('request', withLive(hub, undefined, server));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    hub,
    server,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
}

export interface SseClient {
  status: number;
  headers: IncomingHttpHeaders;
  /** Parsed frames with data (the `retry:` preamble and comments excluded). */
  frames: SseFrame[];
  /** Comment lines (heartbeats) received. */
  comments: number;
  body: string;
  /** Resolves when at least `count` frames arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<SseFrame[]>;
  ended: Promise<void>;
  close(): void;
}

/** Opens an SSE stream with node:http and parses frames as they come. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      let buffer = '';
      let notify = (): void => {};
      let endResolve!: () => void;
      const ended = new Promise<void>((done) => (endResolve = done));
      const client: SseClient = {
        status: response.statusCode ?? 0,
        headers: response.headers,
        frames: [],
        comments: 0,
        body: '',
        async waitFor(count, timeoutMs = 3000) {
          const deadline = Date.now() + timeoutMs;
          while (client.frames.length < count) {
            if (Date.now() > deadline)
              throw new Error(`expected ${count} frames, got ${JSON.stringify(client.frames)}`);
            await new Promise<void>((done) => {
              notify = done;
              setTimeout(done, 20);
            });
          }
          return client.frames;
        },
        ended,
        close: () => request.destroy(),
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        client.body += chunk;
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const frame: SseFrame = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) client.comments++;
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) frame.data = line.slice(6);
          }
          if (frame.data !== undefined) client.frames.push(frame);
        }
        notify();
      });
      response.on('end', endResolve);
      response.on('close', endResolve);
      response.on('error', endResolve);
      resolve(client);
    });
    request.on('error', reject);
    request.end();
  });
}

export interface WsClient {
  socket: WebSocket;
  messages: { id?: number; type: string; data: unknown }[];
  waitFor(count: number, timeoutMs?: number): Promise<WsClient['messages']>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Connects a `ws` client; rejects with the refusal status when the upgrade is refused. */
export function openWs(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const messages: WsClient['messages'] = [];
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.once('close', (code, reason) => done({ code, reason: reason.toString() })),
    );
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8'))));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        reject(Object.assign(new Error('refused'), { status: response.statusCode, body, headers: response.headers })),
      );
    });
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        socket,
        messages,
        closed,
        async waitFor(count, timeoutMs = 3000) {
          const deadline = Date.now() + timeoutMs;
          while (messages.length < count) {
            if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${JSON.stringify(messages)}`);
            await new Promise((done) => setTimeout(done, 10));
          }
          return messages;
        },
      }),
    );
  });
}

/** Waits until `check` is true (polling every 10 ms), failing after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}
