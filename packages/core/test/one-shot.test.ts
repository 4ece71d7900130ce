import { describe, expect, it } from 'vitest';
import { runOneShot } from '../../../test-support/one-shot.js';

const prelude = `
import { delay, systemClock } from '@telltale/core';
`;

const run = (body: string) => runOneShot(prelude + body, { package: 'core', timeoutMs: 10_000 });

describe('core timers in a one-shot process', () => {
  it('delay() keeps a bare process alive until the wait ends', async () => {
    const result = await run(`await delay(100); console.log('waited');`);
    expect(result).toMatchObject({ code: 0, stdout: 'waited\n', stderr: '', timedOut: false });
  });

  it('an awaited systemClock timer settles the script', async () => {
    const result = await run(
      `console.log(await new Promise((resolve) => systemClock.setTimeout(() => resolve('fired'), 100)));`,
    );
    expect(result).toMatchObject({ code: 0, stdout: 'fired\n', stderr: '', timedOut: false });
  });

  // The failure the one-shot tests of every package guard against: Node finds nothing left to run
  // and exits with code 13, printing nothing. Background timers must never be awaited.
  it('a background timer does not hold the process: awaiting one exits with code 13', async () => {
    const body = `await new Promise((resolve) => systemClock.setTimeout(resolve, 100, { background: true })); console.log('fired');`;
    const result = await run(body);
    expect(result).toMatchObject({ code: 13, stdout: '', timedOut: false });
  });
});
