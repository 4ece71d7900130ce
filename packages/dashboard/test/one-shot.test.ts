import { describe, expect, it } from 'vitest';
import { runOneShot } from '../../../test-support/one-shot.js';

describe('dashboard in a one-shot process', () => {
  // If the tick that bounds a slow health run were unref'ed, Node would exit with code 13 and
  // print nothing instead of the snapshot.
  it('snapshot() gives up on a health run that never finishes after one tick', async () => {
    const script = `
import { createDashboard } from '@telltale/dashboard';
const dashboard = createDashboard({ tick: '200ms', sources: { health: () => new Promise(() => {}) } });
const snapshot = await dashboard.snapshot();
await dashboard.close();
console.log(JSON.stringify({ health: snapshot.health, errors: snapshot.errors }));`;
    const result = await runOneShot(script, { package: 'dashboard', timeoutMs: 10_000 });
    expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({
      health: { status: 'unknown', checks: [] },
      errors: { health: 'health run did not finish within one tick' },
    });
  });
});
