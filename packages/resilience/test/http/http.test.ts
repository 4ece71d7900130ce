import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyStatus, parseRetryAfter, readBoundedBody } from '@telltale/resilience';
import { afterEach, describe, expect, it } from 'vitest';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delay-seconds, fractional seconds and HTTP dates as milliseconds from now', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1_500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
  });
  it('never returns a negative wait, and undefined for absent or unparsable values', () => {
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('  ', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('classifyStatus', () => {
  it('maps statuses to one shared vocabulary', () => {
    const table = Object.fromEntries(
      [301, 400, 401, 402, 404, 408, 410, 413, 415, 425, 429, 500, 503].map((status) => [
        status,
        classifyStatus(status),
      ]),
    );
    expect(table).toEqual({
      301: 'permanent',
      400: 'permanent',
      401: 'permanent',
      402: 'quota-exhausted',
      404: 'permanent',
      408: 'retryable',
      410: 'endpoint-gone',
      413: 'unsupported',
      415: 'unsupported',
      425: 'retryable',
      429: 'rate-limited',
      500: 'retryable',
      503: 'retryable',
    });
  });
});

describe('readBoundedBody', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(write: (response: ServerResponse) => void): Promise<string> {
    server = createServer((_request, response) => write(response));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  it('reads a small body whole', async () => {
    const url = await serve((response) => response.end('{"ok":true}'));
    await expect(readBoundedBody(await fetch(url), { maxBytes: 1024 })).resolves.toEqual({
      text: '{"ok":true}',
      truncated: false,
    });
  });

  it('stops at maxBytes of an endless body and releases the stream', async () => {
    let written = 0;
    let closed = false;
    const url = await serve((response) => {
      response.on('close', () => (closed = true));
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const pump = (): void => {
        while (!closed && written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      pump();
    });
    const body = await readBoundedBody(await fetch(url), { maxBytes: 10_000 });
    expect(body.truncated).toBe(true);
    expect(body.text).toBe('a'.repeat(10_000));
    await expect.poll(() => closed).toBe(true);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('cuts inside a multi-byte character without throwing', async () => {
    const url = await serve((response) => response.end('€€€'));
    const body = await readBoundedBody(await fetch(url), { maxBytes: 4 });
    expect(body).toEqual({ text: '€\uFFFD', truncated: true });
  });

  it('refuses a maxBytes that is not a positive integer', async () => {
    await expect(readBoundedBody(new Response('x'), { maxBytes: 0 })).rejects.toMatchObject({
      code: 'TELLTALE_CONFIG',
    });
  });
});
