import { describe, expect, it } from 'vitest';
import { runOneShot } from '../../../test-support/one-shot.js';

// Each script awaits one path in a bare `node` process: if the timer it depends on were
// unref'ed, Node would exit with code 13 and print nothing instead of the outcome.
const prelude = `
import { bulkhead, circuitBreaker, constant, hedge, pipeline, retry, timeout } from '@telltale/resilience';
const hang = ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
const outcome = (promise) => promise.then((value) => ({ value }), (error) => ({ code: error.code ?? error.message }));
const print = (value) => console.log(JSON.stringify(value));
`;

async function run(body: string): Promise<unknown> {
  const result = await runOneShot(prelude + body, { package: 'resilience', timeoutMs: 10_000 });
  expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
  return JSON.parse(result.stdout) as unknown;
}

describe('resilience in a one-shot process', () => {
  it('rejects a call that only settles on abort with TELLTALE_TIMEOUT', async () => {
    expect(await run(`print(await outcome(pipeline('p', timeout(100)).execute(hang)));`)).toEqual({
      code: 'TELLTALE_TIMEOUT',
    });
  });

  it('waits between retries and returns the successful attempt', async () => {
    const body = `
let attempts = 0;
const policy = pipeline('p', retry({ maxAttempts: 3, backoff: constant(100) }));
const result = await outcome(policy.execute(() => { if (++attempts < 3) throw new Error('flaky'); return 'ok'; }));
print({ ...result, attempts });`;
    expect(await run(body)).toEqual({ value: 'ok', attempts: 3 });
  });

  it('starts the hedged copy after its delay', async () => {
    const body = `
let copies = 0;
const policy = pipeline('p', hedge({ after: 100 }));
print(await outcome(policy.execute((context) => (++copies === 1 ? hang(context) : 'hedged'))));`;
    expect(await run(body)).toEqual({ value: 'hedged' });
  });

  it('times out a call waiting in a full bulkhead queue', async () => {
    const body = `
const policy = pipeline('p', timeout(100), bulkhead({ concurrency: 1, queue: 1 }));
// Ignores its signal, so it keeps the only slot after timing out.
const running = outcome(policy.execute(() => new Promise(() => {})));
const queued = outcome(policy.execute(() => 'never runs'));
print({ running: await running, queued: await queued });`;
    expect(await run(body)).toEqual({ running: { code: 'TELLTALE_TIMEOUT' }, queued: { code: 'TELLTALE_TIMEOUT' } });
  });

  it('times out a half-open probe and rejects the calls waiting for it', async () => {
    const body = `
const breaker = circuitBreaker({ minimumThroughput: 1, halfOpenAfter: 50, halfOpenWaiting: 'wait', timeout: 100 });
const opened = await outcome(breaker.execute(() => { throw new Error('down'); }));
await new Promise((resolve) => setTimeout(resolve, 60));
const probe = outcome(breaker.execute(hang));
const waiting = outcome(breaker.execute(() => 'never runs'));
print({ opened, probe: await probe, waiting: await waiting, state: breaker.state });`;
    expect(await run(body)).toEqual({
      opened: { code: 'down' },
      probe: { code: 'TELLTALE_TIMEOUT' },
      waiting: { code: 'TELLTALE_CIRCUIT_OPEN' },
      state: 'open',
    });
  });

  // The 30 s deadline and open period would outlast the runner's 10 s limit if they held the process.
  it('does not hold the process for timers nobody awaits any more', async () => {
    const body = `
const policy = pipeline('p', timeout('30s'), circuitBreaker({ minimumThroughput: 1, halfOpenAfter: '30s' }));
const fast = await outcome(policy.execute(() => 'fast'));
const failed = await outcome(policy.execute(() => { throw new Error('down'); }));
print({ fast, failed, rejected: await outcome(policy.execute(() => 'never runs')) });`;
    expect(await run(body)).toEqual({
      fast: { value: 'fast' },
      failed: { code: 'down' },
      rejected: { code: 'TELLTALE_CIRCUIT_OPEN' },
    });
  });
});
