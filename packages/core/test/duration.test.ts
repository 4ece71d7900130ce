import { describe, expect, it } from 'vitest';
import { TelltaleConfigError, TelltaleError, formatDuration, parseDuration } from '@telltale/core';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['0.5s', 500],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['2w', 1_209_600_000],
    ['1y', 31_536_000_000],
    ['1m30s500ms', 90_500],
    ['0', 0],
    [' 10s ', 10_000],
    [0, 0],
    [1500, 1500],
    [0.25, 0.25],
  ] as const)('parses %j as %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['5 minutes', '', '   ', '5', '1m1h', '1h1h', 'ms', '-5s', '5x', '1.s', 'abc', '1h 30m'])(
    'rejects %j with a TelltaleConfigError naming the input',
    (input) => {
      let thrown: unknown;
      try {
        parseDuration(input, 'window');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TelltaleConfigError);
      const error = thrown as TelltaleConfigError;
      expect(error.code).toBe('TELLTALE_CONFIG');
      expect(error.option).toBe('window');
      expect(error.message).toContain('"window"');
      expect(error.message).toContain(JSON.stringify(input));
    },
  );

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (input) => {
    expect(() => parseDuration(input)).toThrow(TelltaleConfigError);
    expect(() => parseDuration(input)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringContaining(String(input)) }),
    );
  });

  it('rejects values that are neither numbers nor strings', () => {
    expect(() => parseDuration(null as never, 'timeout')).toThrow(
      expect.objectContaining({
        code: 'TELLTALE_CONFIG',
        message: expect.stringMatching(/Invalid option "timeout".*received null/),
      }),
    );
    expect(() => parseDuration({} as never)).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/received an object/) }),
    );
  });

  it('errors are TelltaleErrors recognised by the guard', () => {
    try {
      parseDuration('nope');
      expect.unreachable();
    } catch (error) {
      expect(TelltaleError.is(error)).toBe(true);
      expect(TelltaleError.is(error, 'TELLTALE_CONFIG')).toBe(true);
      expect(TelltaleConfigError.isConfigError(error)).toBe(true);
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [90_500, '1m30s500ms'],
    [5_400_000, '1h30m'],
    [86_400_000 * 8, '1w1d'],
  ])('formats %d as %s', (input, expected) => {
    expect(formatDuration(input)).toBe(expected);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 61_001, 3_600_000 * 25 + 7]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it('rejects negative input', () => {
    expect(() => formatDuration(-1)).toThrow(TelltaleConfigError);
  });
});
