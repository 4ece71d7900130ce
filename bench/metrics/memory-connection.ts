// A keep-alive HTTP/1.1 connection to a node:http server held in memory: the
// server parses real request bytes and writes real response bytes, as behind
// a socket (so node:http's own request path, diagnostics channel included,
// runs), but no socket, kernel or load generator is involved.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';

class MemorySocket extends Duplex {
  received = '';
  waiting: ((response: string) => void) | undefined;
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.received += chunk.toString('latin1');
    this.settle();
    done();
  }
  // One whole response (head and Content-Length body) received: hand it over.
  private settle(): void {
    const head = this.received.indexOf('\r\n\r\n');
    if (head === -1 || this.waiting === undefined) return;
    const length = /\r\ncontent-length: *(\d+)/i.exec(this.received.slice(0, head));
    if (!length) throw new Error('the bench apps answer with a Content-Length');
    const end = head + 4 + Number(length[1]);
    if (this.received.length < end) return;
    const response = this.received.slice(0, end);
    this.received = this.received.slice(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting(response);
  }
}

/** Dispatches GETs over one in-memory keep-alive connection to `listener`'s server; resolves to the status. */
export function memoryConnection(
  listener: (request: IncomingMessage, response: ServerResponse) => unknown,
): (url: string) => Promise<number> {
  const server = createServer(listener);
  const socket = new MemorySocket();
  server.emit('connection', socket);
  return (url) =>
    new Promise((resolve) => {
      socket.waiting = (response) => resolve(Number(response.slice(9, 12)));
      socket.push(`GET ${url} HTTP/1.1\r\nHost: bench\r\n\r\n`);
    });
}
