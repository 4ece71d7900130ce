import { describe, expect, it } from 'vitest';
import { runOneShot } from '../../../test-support/one-shot.js';
import { DELIVERY_PATHS, type DeliveryPath } from './support/shared-memory-queue.js';

// Each script awaits one path in a bare `node` process: if the timer it depends on were
// unref'ed, Node would exit with code 13 and print nothing instead of the outcome.
// The child picks the same delivery path from the test support (tsx loads the TypeScript).
const SUPPORT = new URL('./support/shared-memory-queue.ts', import.meta.url).href;
const prelude = (path: DeliveryPath) => `
import { DELIVERY_PATHS } from '${SUPPORT}';
const path = DELIVERY_PATHS.find((candidate) => candidate.name === '${path.name}');
import { createNotifier, memoryChannel, NotifyDeliveryError } from '@telltale/notify';
const down = () => new NotifyDeliveryError('down', { classification: 'retryable', provider: 'memory' });
const failingOnce = () => { let failures = 1; return memoryChannel({ behavior: () => { if (failures-- > 0) throw down(); } }); };
const retry = { initialDelay: '100ms', jitter: 'none' };
const outcome = (promise) => promise.then((value) => ({ value }), (error) => ({ code: error.code }));
const print = (value) => console.log(JSON.stringify(value));
`;

describe.each(DELIVERY_PATHS)('notify in a one-shot process ($name)', (path) => {
  async function run(body: string): Promise<unknown> {
    const result = await runOneShot(prelude(path) + body, { package: 'notify', timeoutMs: 10_000 });
    expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
    return JSON.parse(result.stdout) as unknown;
  }

  it("send() with await: 'delivered' waits out the retry backoff", async () => {
    const body = `
const inbox = failingOnce();
const notifier = createNotifier({ channels: { inbox }, retry, ...path.options() });
const receipt = await notifier.send({ subject: 'Hello' }, { await: 'delivered' });
await notifier.close();
print({ results: receipt.results, attempts: inbox.attempts.length });`;
    expect(await run(body)).toEqual({ results: { inbox: { providerMessageId: 'memory-1' } }, attempts: 2 });
  });

  it('flush() waits out the retry backoff', async () => {
    const body = `
const inbox = failingOnce();
const notifier = createNotifier({ channels: { inbox }, retry, ...path.options() });
await notifier.send({ subject: 'Hello' });
await notifier.flush();
await notifier.close();
print({ attempts: inbox.attempts.length, delivered: inbox.delivered.length });`;
    expect(await run(body)).toEqual({ attempts: 2, delivered: 1 });
  });

  it('flush({ timeout }) rejects with TELLTALE_TIMEOUT, and close() lets the process end', async () => {
    const body = `
const inbox = memoryChannel({ behavior: () => { throw down(); } });
const notifier = createNotifier({ channels: { inbox }, retry: { initialDelay: '30s' }, ...path.options() });
await notifier.send({ subject: 'Hello' });
const flushed = await outcome(notifier.flush({ timeout: '200ms' }));
await notifier.close();
print({ flushed, attempts: inbox.attempts.length });`;
    expect(await run(body)).toEqual({ flushed: { code: 'TELLTALE_TIMEOUT' }, attempts: 1 });
  });

  it('close({ timeout }) gives up on a delivery that never ends and resolves', async () => {
    const body = `
let started;
const attempted = new Promise((resolve) => (started = resolve));
const inbox = memoryChannel({ behavior: () => { started(); return new Promise(() => {}); } });
const notifier = createNotifier({ channels: { inbox }, ...path.options() });
const delivery = outcome(notifier.send({ subject: 'Hello' }, { await: 'delivered' }));
await attempted;
const closed = await outcome(notifier.close({ timeout: '200ms' }).then(() => 'closed'));
print({ closed, delivery: await delivery });`;
    expect(await run(body)).toEqual({ closed: { value: 'closed' }, delivery: { code: 'TELLTALE_NOTIFY_CLOSED' } });
  });
});
