import { renamedOption } from '@telltale/core';
import { describe, expect, it } from 'vitest';

describe('renamedOption', () => {
  it('reads the current name, else the deprecated one, with the path it came from', () => {
    expect(renamedOption('retry', { initial: '1s' }, 'initial', 'initialDelay')).toEqual({
      option: 'retry.initial',
      value: '1s',
    });
    expect(renamedOption('retry', { initialDelay: '2s' }, 'initial', 'initialDelay')).toEqual({
      option: 'retry.initialDelay',
      value: '2s',
    });
    expect(renamedOption('retry', {}, 'initial', 'initialDelay')).toEqual({
      option: 'retry.initial',
      value: undefined,
    });
  });

  it('names top-level options without a dot when the prefix is empty', () => {
    expect(renamedOption('', { dedupWindow: '1h' }, 'idempotencyTtl', 'dedupWindow')).toEqual({
      option: 'dedupWindow',
      value: '1h',
    });
    expect(() =>
      renamedOption('', { idempotencyTtl: '1h', dedupWindow: '2h' }, 'idempotencyTtl', 'dedupWindow'),
    ).toThrow(
      expect.objectContaining({
        code: 'TELLTALE_CONFIG',
        option: 'dedupWindow',
        message: expect.stringContaining('to be left out when idempotencyTtl is set'),
      }),
    );
  });
});
