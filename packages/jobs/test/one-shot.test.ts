import { describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';
import { runOneShot } from '../../../test-support/one-shot.js';
import { startRedisServer } from '../../../test-support/redis-server.js';

// Each script awaits one path in a bare `node` process: if the timer it depends on were
// unref'ed, Node would exit with code 13 and print nothing instead of the outcome.
const prelude = `
import { createJobs, memoryBackend } from '@telltale/jobs';
import { constant } from '@telltale/resilience';
const print = (value) => console.log(JSON.stringify(value));
`;

async function run(body: string, env?: Record<string, string>): Promise<unknown> {
  const result = await runOneShot(prelude + body, { package: 'jobs', timeoutMs: 15_000, ...(env ? { env } : {}) });
  expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
  return JSON.parse(result.stdout) as unknown;
}

describe('jobs in a one-shot process', () => {
  it('done resolves after a delayed job and a retry wait, then close settles', async () => {
    const body = `
let calls = 0;
const jobs = createJobs({
  backend: memoryBackend(),
  deadLetter: { redriveEvery: '1h' },
  types: { flaky: { maxAttempts: 2, backoff: constant('150ms'), handler: () => { if (++calls === 1) throw new Error('blip'); return 'ok'; } } },
});
const { done } = await jobs.submit('flaky', {}, { delay: '100ms' });
const result = await done;
await jobs.close();
print({ result, calls });`;
    expect(await run(body)).toEqual({ result: 'ok', calls: 2 });
  });

  it('a dead-lettered job rejects done with its code', async () => {
    const body = `
const jobs = createJobs({ types: { broken: { maxAttempts: 2, backoff: constant('100ms'), handler: () => { throw new Error('nope'); } } } });
const { done } = await jobs.submit('broken', {});
const code = await done.then(() => 'resolved', (error) => error.code);
await jobs.close();
print({ code });`;
    expect(await run(body)).toEqual({ code: 'TELLTALE_JOBS_DEAD_LETTERED' });
  });

  it.skipIf(missingPeer('redis-server'))('on BullMQ: submit, await done, close, and the process exits', async () => {
    const redis = await startRedisServer();
    try {
      const body = `
import { bullmqBackend } from '@telltale/jobs/bullmq';
const jobs = createJobs({ backend: bullmqBackend({ connection: process.env.REDIS_URL }), types: { echo: { handler: (payload) => payload } } });
const { done } = await jobs.submit('echo', { hello: 'world' });
const result = await done;
await jobs.close();
print({ result });`;
      expect(await run(body, { REDIS_URL: redis.url })).toEqual({ result: { hello: 'world' } });
    } finally {
      await redis.close();
    }
  });
});
