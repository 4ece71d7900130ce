import { describe, expect, it, vi } from 'vitest';
import {
  TelltaleConfigError,
  createEmitter,
  options,
  redactSecrets,
  resolveLogger,
  silentLogger,
} from '@telltale/core';

describe('options', () => {
  it('returns valid values and defaults', () => {
    expect(options.positiveInteger('a', undefined, 3)).toBe(3);
    expect(options.positiveInteger('a', 7)).toBe(7);
    expect(options.nonNegativeInteger('a', 0)).toBe(0);
    expect(options.numberInRange('ratio', 0.5, 0, 1)).toBe(0.5);
    expect(options.duration('window', '10s')).toBe(10_000);
    expect(options.duration('window', undefined, '1m')).toBe(60_000);
    expect(options.oneOf('jitter', 'full', ['full', 'none'])).toBe('full');
    expect(options.nonEmptyString('name', 'api')).toBe('api');
    expect(options.object('opts', undefined)).toEqual({});
  });

  it.each([
    () => options.positiveInteger('bulkhead.concurrency', 0),
    () => options.positiveInteger('bulkhead.concurrency', 1.5),
    () => options.nonNegativeInteger('queue', -1),
    () => options.numberInRange('failureRatio', 1.5, 0, 1),
    () => options.duration('window', '10 seconds'),
    () => options.oneOf('jitter', 'random', ['full', 'none']),
    () => options.nonEmptyString('name', '  '),
    () => options.optionalFunction('isFailure', 'yes'),
    () => options.object('options', [] as never),
  ])('throws TelltaleConfigError for bad input (%#)', (call) => {
    expect(call).toThrow(TelltaleConfigError);
  });

  it('names the option and the expectation', () => {
    expect(() => options.oneOf('jitter', 'random', ['full', 'none'])).toThrow(
      expect.objectContaining({
        code: 'TELLTALE_CONFIG',
        message: expect.stringContaining('Invalid option "jitter": expected one of "full", "none", received "random"'),
      }),
    );
  });
});

describe('createEmitter', () => {
  it('delivers to listeners until disposed', () => {
    const emitter = createEmitter<number>();
    const seen: number[] = [];
    const subscription = emitter.on((n) => seen.push(n));
    emitter.emit(1);
    expect(emitter.size).toBe(1);
    subscription.dispose();
    emitter.emit(2);
    expect(seen).toEqual([1]);
    expect(emitter.size).toBe(0);
  });

  it('isolates a throwing listener from the emitter and the other listeners', () => {
    const onError = vi.fn();
    const emitter = createEmitter<string>(onError);
    const seen: string[] = [];
    emitter.on(() => {
      throw new Error('bad listener');
    });
    emitter.on((value) => seen.push(value));
    expect(() => emitter.emit('x')).not.toThrow();
    expect(seen).toEqual(['x']);
    expect(onError).toHaveBeenCalledWith(new Error('bad listener'));
  });

  it('lets the same function subscribe twice independently', () => {
    const emitter = createEmitter<number>();
    let count = 0;
    const listener = () => count++;
    const first = emitter.on(listener);
    emitter.on(listener);
    first.dispose();
    emitter.emit(0);
    expect(count).toBe(1);
  });
});

describe('redactSecrets', () => {
  it.each([
    ['connect ECONNREFUSED postgres://app:hunter2@db:5432/x', 'connect ECONNREFUSED postgres://***@db:5432/x'],
    [
      'GET https://api.example.com/v1?api_key=abc123&x=1 failed',
      'GET https://api.example.com/v1?api_key=***&x=1 failed',
    ],
    ['redis://:s3cret@cache:6379', 'redis://***@cache:6379'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc', 'Authorization: Bearer ***'],
    ['https://hooks.slack.com/x?token=t0k3n#frag', 'https://hooks.slack.com/x?token=***#frag'],
  ])('redacts %j', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
    expect(redactSecrets(input)).not.toMatch(/hunter2|abc123|s3cret|t0k3n|eyJ/);
  });

  it('leaves ordinary text alone', () => {
    expect(redactSecrets('GET http://localhost:3000/users/1 returned 503')).toBe(
      'GET http://localhost:3000/users/1 returned 503',
    );
  });
});

describe('resolveLogger', () => {
  it('is silent by default', () => {
    expect(resolveLogger(undefined)).toBe(silentLogger);
  });

  it('binds methods and fills in missing ones', () => {
    const lines: unknown[] = [];
    const partial = {
      prefix: 'x',
      warn(this: { prefix: string }, object: unknown, message?: string) {
        lines.push([this.prefix, object, message]);
      },
    };
    const logger = resolveLogger(partial);
    logger.warn({ route: '/a' }, 'overflow');
    expect(() => logger.debug('ignored')).not.toThrow();
    expect(lines).toEqual([['x', { route: '/a' }, 'overflow']]);
  });
});
