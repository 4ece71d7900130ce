import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';

/** Headers of every hub response: nothing a browser may sniff into HTML or frame. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
});

/** A refusal or error answer, for HTTP and for a refused WebSocket upgrade. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: { readonly error: string; readonly message: string } & Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends a small JSON body with the security headers. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    ...headers,
  });
  response.end(payload);
}

/** Sends a {@link JsonAnswer} on an HTTP response. */
export function sendAnswer(response: ServerResponse, answer: JsonAnswer): void {
  sendJson(response, answer.status, answer.body, answer.headers);
}

/** Answers a WebSocket upgrade request with a plain HTTP response and closes the socket. */
export function rejectUpgrade(socket: Duplex, answer: JsonAnswer): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const payload = JSON.stringify(answer.body);
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    connection: 'close',
    ...answer.headers,
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n${head}\r\n\r\n${payload}`);
}

/** 404 for a path under the base path that is not a topic the hub serves. */
export const NOT_FOUND: JsonAnswer = {
  status: 404,
  body: { error: 'not_found', message: 'No such live topic' },
};
