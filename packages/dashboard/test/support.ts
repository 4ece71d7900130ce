import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dashboard } from '@telltale/dashboard';
import { withDashboard } from '@telltale/dashboard/node';

/** A real node:http server on 127.0.0.1, port 0, serving `dashboard`. */
export async function serve(dashboard: Dashboard): Promise<{ server: Server; base: string; close(): Promise<void> }> {
  const server = createServer(withDashboard(dashboard, (_request, response) => response.end('app')));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One parsed Server-Sent Event. */
export interface ParsedEvent {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

/** An open SSE connection that parses the raw stream (frames, comments). */
export interface StreamClient {
  status: number;
  headers: IncomingHttpHeaders;
  /** Raw text received so far. */
  raw(): string;
  events: ParsedEvent[];
  comments: string[];
  /** Resolves when at least `count` events arrived (rejects after `timeout` ms). */
  waitForEvents(count: number, timeout?: number): Promise<ParsedEvent[]>;
  waitForComment(text: string, timeout?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function openStream(url: string, headers: Record<string, string> = {}): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      let raw = '';
      let buffer = '';
      const events: ParsedEvent[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: ParsedEvent = { data: '' };
          let hasField = false;
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) {
              comments.push(line.slice(1));
              continue;
            }
            const colon = line.indexOf(': ');
            const field = line.slice(0, colon);
            const value = line.slice(colon + 2);
            if (field === 'retry') event.retry = Number(value);
            if (field === 'id') event.id = value;
            if (field === 'event') event.event = value;
            if (field === 'data') event.data += value;
            if (field === 'id' || field === 'event' || field === 'data') hasField = true;
          }
          if (hasField) events.push(event);
        }
        for (const waiter of waiters) waiter();
      });
      const ended = new Promise<void>((done) => {
        response.on('end', done);
        response.on('close', done);
      });
      const waitFor = (ready: () => boolean, what: string, timeout: number) =>
        new Promise<void>((done, fail) => {
          if (ready()) return done();
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(new Error(`timed out waiting for ${what}; received: ${JSON.stringify(raw.slice(0, 300))}`));
          }, timeout);
          const check = () => {
            if (!ready()) return;
            clearTimeout(timer);
            waiters.delete(check);
            done();
          };
          waiters.add(check);
        });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        raw: () => raw,
        events,
        comments,
        async waitForEvents(count, timeout = 3000) {
          await waitFor(() => events.length >= count, `${count} events`, timeout);
          return events;
        },
        waitForComment: (text, timeout = 3000) =>
          waitFor(() => comments.some((comment) => comment.includes(text)), `comment ${text}`, timeout),
        ended,
        close: () => request.destroy(),
      });
    });
    request.on('error', reject);
    request.end();
  });
}

/** Fetches with a body read as text. */
export async function fetchText(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Polls `condition` every 10 ms until true (bounded). */
export async function eventually(condition: () => boolean, timeout = 3000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeout) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
