import { pipeline, timeout, type Cancellation, type Next, type Policy, type Run } from '@telltale/resilience';
import { describe, expect, it } from 'vitest';

/** A custom policy that hands its run's cancellation to the test. */
function capture(seen: Cancellation[]): Policy {
  return {
    kind: 'capture',
    name: 'capture',
    execute: () => Promise.reject(new Error('only used inside a pipeline')),
    wrap<T>(next: Next<T>, run: Run) {
      seen.push(run.cancellation);
      return next(run);
    },
  };
}

/** Runs `capture` under the caller's signal alone, or inside a timeout's child scope. */
async function cancellationOf(inScope: boolean): Promise<{ cancellation: Cancellation; abort: () => void }> {
  const seen: Cancellation[] = [];
  const controller = new AbortController();
  const policies = inScope ? [timeout('1h'), capture(seen)] : [capture(seen)];
  const running = pipeline('cancellation-test', ...policies).execute(
    ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    { signal: controller.signal },
  );
  running.catch(() => {});
  await Promise.resolve();
  expect(seen).toHaveLength(1);
  return { cancellation: seen[0]!, abort: () => controller.abort(new Error('stop')) };
}

describe('Cancellation.onAbort', () => {
  it.each([false, true])('returns a Disposable whose dispose() stops listening (child scope: %s)', async (inScope) => {
    const { cancellation, abort } = await cancellationOf(inScope);
    const calls: string[] = [];
    const kept = cancellation.onAbort(() => calls.push('kept'));
    const disposed = cancellation.onAbort(() => calls.push('disposed'));
    expect(typeof kept.dispose).toBe('function');
    disposed.dispose();
    abort();
    await Promise.resolve();
    expect(calls).toEqual(['kept']);
  });

  it.each([false, true])('is still callable as the unsubscribe function (child scope: %s)', async (inScope) => {
    const { cancellation, abort } = await cancellationOf(inScope);
    const calls: string[] = [];
    const unsubscribe = cancellation.onAbort(() => calls.push('called'));
    cancellation.onAbort(() => calls.push('kept'));
    unsubscribe();
    abort();
    await Promise.resolve();
    expect(calls).toEqual(['kept']);
  });
});
