import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHealthEndpoint,
  createHealthRegistry,
  parseHealthDocument,
  type HealthEndpointOptions,
} from '@telltale/health';
import { healthHandler } from '@telltale/health/node';
import { get, listen } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function registryWithInternals() {
  const registry = createHealthRegistry({ meterProvider: false });
  registry.register('payments', () => ({ status: 'fail', output: 'GET http://payments.internal:8080/health: 502' }));
  cleanups.push(() => registry.close());
  return registry;
}

async function serve(options: HealthEndpointOptions = {}) {
  const server = await listen(healthHandler(registryWithInternals(), options));
  cleanups.push(() => server.close());
  return server;
}

/** A request as it arrives from another machine (the pure endpoint core takes any IncomingMessage). */
const remote = (headers: Record<string, string> = {}): IncomingMessage =>
  ({ method: 'GET', url: '/health', headers, socket: { remoteAddress: '203.0.113.9' } }) as unknown as IncomingMessage;

/** GET over node:http so the Host header can be set. */
function getWithHeaders(url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    })
      .on('error', reject)
      .end();
  });
}

describe('health details exposure', () => {
  it('hides details from remote callers by default, with the same status code', async () => {
    const endpoint = createHealthEndpoint(registryWithInternals());
    const answer = await endpoint.respond(remote());
    expect(answer).toMatchObject({ statusCode: 503, body: '{"status":"fail"}' });
    // X-Forwarded-For never makes a remote caller local.
    const spoofed = await endpoint.respond(remote({ 'x-forwarded-for': '127.0.0.1', host: 'localhost' }));
    expect(spoofed?.body).toBe('{"status":"fail"}');
  });

  it('shows details to a direct loopback request by default', async () => {
    const { url } = await serve();
    const { status, body } = await get(`${url}/health`);
    expect(status).toBe(503);
    expect(body.checks.payments[0].output).toContain('payments.internal');
  });

  it('hides details from loopback requests that came through a proxy or carry a foreign Host', async () => {
    const { url } = await serve();
    const proxied: Record<string, string>[] = [
      { 'x-forwarded-for': '203.0.113.9' },
      { forwarded: 'for=203.0.113.9' },
      { 'x-real-ip': '203.0.113.9' },
      { host: 'rebound.evil.example' },
    ];
    for (const headers of proxied) {
      expect(await getWithHeaders(`${url}/health`, headers)).toEqual({ status: 503, body: { status: 'fail' } });
    }
  });

  it('shows details to callers authorize accepts, and fails closed when it throws', async () => {
    const endpoint = createHealthEndpoint(registryWithInternals(), {
      authorize: (request) => {
        if (request.headers['x-health-token'] === 'boom') throw new Error('token store down');
        return request.headers['x-health-token'] === 'letmein';
      },
    });
    expect((await endpoint.respond(remote({ 'x-health-token': 'letmein' })))?.body).toContain('payments.internal');
    expect((await endpoint.respond(remote({ 'x-health-token': 'wrong' })))?.body).toBe('{"status":"fail"}');
    expect((await endpoint.respond(remote({ 'x-health-token': 'boom' })))?.body).toBe('{"status":"fail"}');
  });

  it('keeps "always" and "never" as explicit choices', async () => {
    const always = createHealthEndpoint(registryWithInternals(), { exposeDetails: 'always' });
    expect((await always.respond(remote()))?.body).toContain('payments.internal');
    const { url } = await serve({ exposeDetails: 'never' });
    expect((await get(`${url}/health`)).body).toEqual({ status: 'fail' });
  });

  it('rejects a non-function authorize', () => {
    expect(() => createHealthEndpoint(registryWithInternals(), { authorize: 'yes' as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG' }),
    );
  });
});

describe('health paths named after Object.prototype members', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'])(
    'answers 404 for /health/%s',
    async (segment) => {
      const { url } = await serve();
      const { status, body } = await get(`${url}/health/${segment}`);
      expect(status).toBe(404);
      expect(body).toMatchObject({ status: 'fail' });
    },
  );

  it('still serves a component registered under such a name', async () => {
    const registry = createHealthRegistry({ meterProvider: false });
    registry.register('constructor', () => ({ status: 'pass' }));
    cleanups.push(() => registry.close());
    const server = await listen(healthHandler(registry));
    cleanups.push(() => server.close());
    expect((await get(`${server.url}/health/constructor`)).status).toBe(200);
  });

  it('does not read a status named after an Object.prototype member off the wire', () => {
    for (const status of ['constructor', '__proto__', 'toString']) {
      expect(parseHealthDocument(JSON.stringify({ status }))).toBeUndefined();
    }
    expect(parseHealthDocument('{"status":"UP"}')?.status).toBe('pass');
  });
});
