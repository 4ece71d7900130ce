import { describe, expect, it } from 'vitest';
import { runOneShot } from '../../../test-support/one-shot.js';

// Each script awaits one path in a bare `node` process: if the timer it depends on were
// unref'ed, Node would exit with code 13 and print nothing instead of the outcome.
const prelude = `
import { createServer, request } from 'node:http';
import { createHealthRegistry } from '@telltale/health';
const never = () => new Promise(() => {});
const summary = (document) => ({
  status: document.status,
  checks: Object.fromEntries(Object.entries(document.checks ?? {}).map(([name, [entry]]) => [name, entry.status + ' ' + entry.output])),
});
const print = (value) => console.log(JSON.stringify(value));
`;

async function run(body: string): Promise<unknown> {
  const result = await runOneShot(prelude + body, { package: 'health', timeoutMs: 10_000 });
  expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
  return JSON.parse(result.stdout) as unknown;
}

const timedOut = (name: string) => `fail TELLTALE_TIMEOUT: check "${name}" timed out after 200ms`;

describe('health in a one-shot process', () => {
  it('readiness() reports a check that never settles as timed out', async () => {
    const body = `
const registry = createHealthRegistry();
registry.register('db', never, { timeout: '200ms' });
print(summary(await registry.readiness()));`;
    expect(await run(body)).toEqual({ status: 'fail', checks: { db: timedOut('db') } });
  });

  it('startup() reports a check that never settles as timed out, so a gated listen() can go on', async () => {
    const body = `
const registry = createHealthRegistry();
registry.register('cache', never, { tags: ['startup'], timeout: '200ms' });
print(summary(await registry.startup()));`;
    expect(await run(body)).toEqual({ status: 'fail', checks: { cache: timedOut('cache') } });
  });

  it('readiness() joining a background check still gets its timeout, and close() lets the process end', async () => {
    const body = `
const registry = createHealthRegistry();
registry.register('queue', never, { timeout: '200ms', interval: '30s' });
const document = summary(await registry.readiness());
await registry.close();
print(document);`;
    expect(await run(body)).toEqual({ status: 'fail', checks: { queue: timedOut('queue') } });
  });

  it('beginShutdown() waits the shutdown delay, bounds the drain and each handler, and completes', async () => {
    const body = `
const logs = [];
const log = (...args) => logs.push(args.find((arg) => typeof arg === 'string'));
const logger = { info: log, warn: log, error: log };
const registry = createHealthRegistry({ shutdownDelay: '100ms', drainTimeout: '200ms', logger });
registry.onShutdown(never, { name: 'pool', timeout: '100ms' });
const server = createServer(() => {}); // never answers: the drain has to force it
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
registry.manageServer(server);
const client = new Promise((resolve) => {
  const pending = request({ port: server.address().port, host: '127.0.0.1' }, resolve);
  pending.on('error', (error) => resolve(error.code));
  pending.end();
});
await new Promise((resolve) => server.once('request', resolve));
const started = Date.now();
await registry.beginShutdown();
print({ state: registry.state, client: await client, waitedAtLeast: Date.now() - started >= 350, logs });`;
    expect(await run(body)).toEqual({
      state: 'stopped',
      client: 'ECONNRESET',
      waitedAtLeast: true,
      logs: [
        'shutdown started: readiness now fails',
        'drain timeout: connections with in-flight requests were closed',
        'shutdown handler failed',
        'shutdown complete',
      ],
    });
  });
});
