import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createManualClock } from '@telltale/core';
import { createDashboard, type AlertView } from '@telltale/dashboard';
import { fastifyDashboard } from '@telltale/dashboard/fastify';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchText, openStream } from './support.js';

const alert: AlertView = { id: 'DiskFull{}', name: 'DiskFull', state: 'pending' };
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The same checks through any adapter: redirect, page, app routes untouched, stream, a silence with a parsed body. */
async function exercise(base: string, advance: () => Promise<unknown>, silenced: () => Promise<unknown[]>) {
  expect((await fetchText(`${base}/_telltale`)).status).toBe(308);
  const page = await fetchText(`${base}/_telltale/`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('<title>Telltale dashboard</title>');
  expect((await fetchText(`${base}/hello`)).text).toBe('app');
  const stream = await openStream(`${base}/_telltale/events`);
  expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  await advance();
  const [event] = await stream.waitForEvents(1);
  expect(JSON.parse(event!.data).queues[0]).toMatchObject({ name: 'notify', depth: 4, deadLetters: 1 });
  stream.close();
  const response = await fetchText(`${base}/_telltale/actions/silence`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telltale-dashboard': '1' },
    body: JSON.stringify({ alertId: alert.id, duration: '15m', comment: 'on it' }),
  });
  expect(response.status).toBe(200);
  expect(await silenced()).toEqual([{ id: alert.id, comment: 'on it' }]);
}

/** Starts test/fixtures/<name> in a child process and waits for `listening [ports]`. */
async function startFixture(name: string): Promise<number[]> {
  const child = spawn(
    process.execPath,
    ['--conditions=@telltale/source', '--import', 'tsx', fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))],
    { cwd: repositoryRoot, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  cleanups.push(() => {
    child.kill();
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\[.*\])/.exec(output);
      if (match) resolve(JSON.parse(match[1]!) as number[]);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${output}`)));
  });
}

describe('adapters', () => {
  it('mounts in Express 5 with express.json() before it (the parsed body is used)', async () => {
    const [port] = await startFixture('express-app.ts');
    const base = `http://127.0.0.1:${port}`;
    await exercise(
      base,
      () => Promise.resolve(),
      async () => JSON.parse((await fetchText(`${base}/silenced`)).text) as unknown[],
    );
  });

  it('mounts in Fastify as a plugin with hijacked replies', async () => {
    const clock = createManualClock({ now: 1_000_000 });
    const silenced: unknown[] = [];
    const dashboard = createDashboard({
      clock,
      sources: { alerts: () => [alert], queues: () => [{ name: 'notify', depth: 4, deadLetters: 1 }] },
      actions: { silence: (target, request) => void silenced.push({ id: target.id, comment: request.comment }) },
      authorize: { act: () => true },
    });
    const app = Fastify();
    await app.register(fastifyDashboard, { dashboard });
    app.get('/hello', () => 'app');
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(async () => {
      await dashboard.close();
      await app.close();
    });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await exercise(
      base,
      () => clock.advanceAsync(0),
      () => Promise.resolve(silenced),
    );
  });
});
