import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFastifyApp } from '../src/start.js';
import { refuseUpload } from '../src/upload-auth.js';
import { describeHttpSuite } from '../../express-app/test/http-suite.js';

describeHttpSuite('Fastify', (config) => startFastifyApp(config), { liveStatus: true });

// Fastify-specific wiring, with the peers pointed at a closed port: none is called here.
describe('Fastify composition', () => {
  let app: Awaited<ReturnType<typeof startFastifyApp>>;
  let dataDirectory: string;
  beforeAll(async () => {
    dataDirectory = await mkdtemp(join(tmpdir(), 'telltale-fastify-wiring-'));
    app = await startFastifyApp({
      serviceName: 'fastify-wiring',
      billingUrl: 'http://127.0.0.1:9',
      smtp: { host: '127.0.0.1', port: 9 },
      oncallEmail: 'oncall@coachly.test',
      cloudSttUrl: 'http://127.0.0.1:9',
      cloudSttApiKey: 'sk-test',
      localStt: false,
      dataDirectory,
      evaluationInterval: '1h',
      uploadToken: 'upload-token',
    });
  });
  afterAll(async () => {
    await app?.close();
    if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
  });

  it('does not record its own endpoints as routes', async () => {
    await (await fetch(`${app.url}/sessions/1`)).arrayBuffer();
    for (const path of ['/health/live', '/health', '/_telltale/', '/metrics']) {
      await (await fetch(`${app.url}${path}`)).arrayBuffer();
    }
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/http_server_request_duration_count\{[^}]*http_route="\/sessions\/:id"/);
    expect(text).not.toMatch(/http_route="\/(metrics|health|_telltale)/);
  });

  it('rejects an empty transcript upload with 400 and an unknown session with 404', async () => {
    const post = (id: string, body: Uint8Array) =>
      fetch(`${app.url}/sessions/${id}/transcript`, {
        method: 'POST',
        headers: { 'content-type': 'audio/wav', authorization: 'Bearer upload-token' },
        body,
      });
    expect((await post('2', new Uint8Array(0))).status).toBe(400);
    expect((await post('999', new Uint8Array(10))).status).toBe(404);
  });

  it('refuses an upload without the token (401) before reading it, and all uploads without a configured token', async () => {
    const response = await fetch(`${app.url}/sessions/2/transcript`, {
      method: 'POST',
      headers: { 'content-type': 'audio/wav', authorization: 'Bearer wrong' },
      body: new Uint8Array(10),
    });
    expect(response.status).toBe(401);
    expect(refuseUpload({ authorization: 'Bearer anything' }, undefined)).toMatchObject({ status: 403 });
    expect(refuseUpload({ authorization: 'Bearer t' }, 't')).toBeUndefined();
  });

  it('answers 415 for an unsupported upload type, not 500', async () => {
    const response = await fetch(`${app.url}/sessions/2/transcript`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', authorization: 'Bearer upload-token' },
      body: new Uint8Array(10),
    });
    expect(response.status).toBe(415);
  });
});
