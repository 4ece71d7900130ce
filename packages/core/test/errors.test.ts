import { describe, expect, it } from 'vitest';
import { TelltaleConfigError, TelltaleError, describeValue } from '@telltale/core';

describe('TelltaleError', () => {
  it('carries code, message, cause and details', () => {
    const cause = new Error('socket hang up');
    const error = new TelltaleError('TELLTALE_TIMEOUT', 'timed out after 5s', { cause, details: { ms: 5000 } });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TelltaleError');
    expect(error.code).toBe('TELLTALE_TIMEOUT');
    expect(error.message).toBe('timed out after 5s');
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ ms: 5000 });
  });

  it('is() recognises errors from another copy of the package by brand, not by class', () => {
    const foreign = new Error('from a duplicated install') as Error & { code: string };
    foreign.code = 'TELLTALE_TIMEOUT';
    Object.defineProperty(foreign, Symbol.for('telltale.error'), { value: true });
    expect(TelltaleError.is(foreign)).toBe(true);
    expect(TelltaleError.is(foreign, 'TELLTALE_TIMEOUT')).toBe(true);
    expect(TelltaleError.is(foreign, 'TELLTALE_CONFIG')).toBe(false);
  });

  it('is() rejects look-alikes without the brand and non-objects', () => {
    const lookAlike = Object.assign(new Error('x'), { code: 'TELLTALE_TIMEOUT' });
    expect(TelltaleError.is(lookAlike)).toBe(false);
    expect(TelltaleError.is(null)).toBe(false);
    expect(TelltaleError.is('TELLTALE_TIMEOUT')).toBe(false);
  });
});

describe('TelltaleConfigError', () => {
  it('names option, value and expectation', () => {
    const error = new TelltaleConfigError({ option: 'bulkhead.concurrency', value: 0, expected: 'an integer >= 1' });
    expect(error.message).toBe('Invalid option "bulkhead.concurrency": expected an integer >= 1, received 0');
    expect(error.code).toBe('TELLTALE_CONFIG');
    expect(error.option).toBe('bulkhead.concurrency');
    expect(error.value).toBe(0);
    expect(error).toBeInstanceOf(TelltaleError);
    expect(TelltaleConfigError.isConfigError(error)).toBe(true);
    expect(TelltaleConfigError.isConfigError(new TelltaleError('TELLTALE_TIMEOUT', 'x'))).toBe(false);
  });
});

describe('describeValue', () => {
  it('renders values briefly and never dumps objects', () => {
    expect(describeValue('x'.repeat(100))).toHaveLength(62);
    expect(describeValue({ password: 'secret' })).toBe('an object');
    expect(describeValue([1, 2])).toBe('an array of length 2');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(NaN)).toBe('NaN');
  });
});
