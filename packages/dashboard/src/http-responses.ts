import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Headers of every dashboard response: a strict Content-Security-Policy
 * (the page loads only its own script and stylesheet and talks only to its
 * own origin), no framing, no MIME sniffing, no referrer.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
});

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
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(payload);
}

/** Why {@link readBody} gave up: the body was longer than its limit. */
export const BODY_TOO_LARGE = 'body too large';

// Past the limit the rest is read and dropped so the client, still sending,
// receives the 413 instead of a reset; beyond this much the socket is cut.
const MAX_DISCARDED_BYTES = 1024 * 1024;

/**
 * Reads a request body up to `limit` bytes. A longer body rejects with
 * {@link BODY_TOO_LARGE} once it has been read to its end (bounded), so the
 * caller can still answer 413 on a live connection.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit + MAX_DISCARDED_BYTES) {
      // Not worth reading: answer now, and the connection closes after the answer.
      request.pause();
      reject(new Error(BODY_TOO_LARGE));
      return;
    }
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit + MAX_DISCARDED_BYTES) {
        request.pause();
        reject(new Error(BODY_TOO_LARGE));
        return;
      }
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > limit) reject(new Error(BODY_TOO_LARGE));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}
