import { describe, expect, it } from 'vitest';
import { receiverBackoff } from '../src/routing/receiver-backoff.js';

const waits = (backoff: ReturnType<typeof receiverBackoff>, count: number): number[] => {
  const result: number[] = [];
  for (let retry = 1, previous = 0; retry <= count; retry++) result.push((previous = backoff.delay(retry, previous)));
  return result;
};

describe('receiverBackoff', () => {
  it("defaults to plain doubling from 1s up to 1m (exponential(), jitter 'none')", () => {
    expect(waits(receiverBackoff(undefined), 8)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it("takes exponential()'s names, and the deprecated initialDelay/maxDelay with the same meaning", () => {
    expect(waits(receiverBackoff({ initial: '1m', max: '2m' }), 3)).toEqual([60_000, 120_000, 120_000]);
    expect(waits(receiverBackoff({ initialDelay: '1m', maxDelay: '2m' }), 3)).toEqual([60_000, 120_000, 120_000]);
  });

  it('jitters when asked, within the doubling envelope', () => {
    const full = waits(receiverBackoff({ initial: '1s', max: '1m', jitter: 'full' }), 5);
    full.forEach((wait, index) => expect(wait).toBeLessThanOrEqual(1_000 * 2 ** index));
  });

  it('refuses a name given twice and unknown jitter names', () => {
    expect(() => receiverBackoff({ initial: '1s', initialDelay: '1s' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'retry.initialDelay' }),
    );
    expect(() => receiverBackoff({ jitter: 'half' as never })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'retry.jitter' }),
    );
  });
});
