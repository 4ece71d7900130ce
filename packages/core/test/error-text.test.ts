import { describe, expect, it } from 'vitest';
import { describeError } from '@telltale/core';

const throwingGetter = Object.defineProperty(new Error('hidden'), 'message', {
  get() {
    throw new Error('getter threw');
  },
});
const cyclic: Record<string, unknown> = { code: 'E_LOOP' };
cyclic.self = cyclic;
const revoked = Proxy.revocable({}, {});
revoked.revoke();
const hostileProxy = new Proxy(
  {},
  {
    get() {
      throw new Error('trap');
    },
    getPrototypeOf() {
      throw new Error('trap');
    },
  },
);

describe('describeError', () => {
  it.each([
    ['an Error', new TypeError('bad input'), 'bad input'],
    ['an Error with no message', new RangeError(), 'RangeError'],
    ['a string', 'plain text', 'plain text'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a symbol', Symbol('gone'), 'Symbol(gone)'],
    ['a bigint', 10n, '10'],
    ['a null-prototype object', Object.create(null) as object, '{}'],
    [
      'a null-prototype object with fields',
      Object.assign(Object.create(null) as object, { code: 'E1' }),
      '{"code":"E1"}',
    ],
    ['a plain object', { status: 503 }, '{"status":503}'],
    ['an object with toString', { toString: () => 'custom' }, 'custom'],
    ['a throwing message getter', throwingGetter, 'Error'],
    ['a cyclic object', cyclic, '[object Object]'],
    ['a revoked proxy', revoked.proxy, 'unprintable thrown value'],
    ['a proxy whose traps throw', hostileProxy, 'unprintable thrown value'],
    ['a function', function connect() {}, 'function connect'],
  ])('describes %s without throwing', (_name, value, expected) => {
    expect(describeError(value)).toBe(expected);
  });

  it('describes an object whose toString throws by its JSON', () => {
    const value = {
      reason: 'nope',
      toString() {
        throw new Error('no');
      },
    };
    expect(describeError(value)).toBe('{"reason":"nope"}');
  });

  it('bounds huge messages, cutting at a word so no half token survives', () => {
    const secretStart = 'postgres://app:hunter2';
    const text = `${'word '.repeat(200)}${secretStart}@db`;
    const described = describeError(new Error(text), { maxLength: 1010 });
    expect(described.length).toBeLessThanOrEqual(1010);
    expect(described.endsWith('…')).toBe(true);
    expect(described).not.toContain('hunter2');
    expect(describeError('x'.repeat(1_000_000)).length).toBe(1000);
  });

  it('never splits a surrogate pair', () => {
    const described = describeError(`${'a'.repeat(8)}${'😀'.repeat(10)}`, { maxLength: 10 });
    expect(described).toBe(`${'a'.repeat(8)}…`);
  });

  it('rejects a bad maxLength', () => {
    expect(() => describeError('x', { maxLength: 0 })).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG' }));
  });
});
