import { exponential as coreExponential, constant } from '@telltale/core';
import { exponential } from '@telltale/resilience';
import { describe, expect, it } from 'vitest';

describe('exponential', () => {
  it('is one implementation: resilience re-exports core’s', () => {
    expect(exponential).toBe(coreExponential);
  });

  it('doubles from initial up to max without jitter', () => {
    const backoff = exponential({ initial: '1s', max: '5s', jitter: 'none' });
    expect([1, 2, 3, 4, 5].map((retry) => backoff.delay(retry, 0))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it("'equal' jitter keeps half the wait fixed and spreads the other half", () => {
    const low = exponential({ initial: '1s', max: '1m', jitter: 'equal', random: () => 0 });
    const high = exponential({ initial: '1s', max: '1m', jitter: 'equal', random: () => 0.999 });
    expect(low.delay(3, 0)).toBe(2_000);
    expect(high.delay(3, 0)).toBe(3_998);
  });

  it('stays finite and capped on very long streaks', () => {
    const backoff = exponential({ initial: 0, max: '1s', factor: 100, jitter: 'none' });
    expect(backoff.delay(10_000, 0)).toBe(0);
    expect(exponential({ initial: 1, max: '1s', factor: 100, jitter: 'none' }).delay(10_000, 0)).toBe(1_000);
  });

  it('refuses unknown jitter names and max below initial', () => {
    expect(() => exponential({ jitter: 'half' as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG' }),
    );
    expect(() => exponential({ initial: '2s', max: '1s' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'exponential.max' }),
    );
  });

  it('constant waits the same before every retry', () => {
    expect(constant('250ms').delay(7, 0)).toBe(250);
  });
});
