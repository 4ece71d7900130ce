import { TelltaleConfigError, TelltaleError } from '@telltale/core';
import { SttProviderError } from '@telltale/stt';
import { describe, expect, it } from 'vitest';
import type * as errorsModule from '../src/errors.js';

// A second copy of the module, as an app gets with two installed versions of @telltale/stt.
// A runtime specifier, so the type checker does not try to resolve the query string.
const secondCopy = (path: string): Promise<unknown> => import(`${path}?copy=second`);
type ErrorsModule = typeof errorsModule;
const copy = (await secondCopy('../src/errors.ts')) as ErrorsModule;

describe('SttProviderError.is', () => {
  it('recognises a provider error from another copy of the package by the brand', () => {
    const foreign = new copy.SttProviderError('busy', { provider: 'openai', kind: 'rate-limited', status: 429 });
    expect(foreign instanceof SttProviderError).toBe(false);
    expect(SttProviderError.is(foreign)).toBe(true);
  });

  it('is false for other Telltale errors, even with an STT code but no kind', () => {
    expect(SttProviderError.is(new TelltaleConfigError({ option: 'x', value: 1, expected: 'y' }))).toBe(false);
    expect(SttProviderError.is(new TelltaleError('TELLTALE_STT_UNAVAILABLE', 'bare'))).toBe(false);
    expect(SttProviderError.is(new Error('TELLTALE_STT_UNAVAILABLE'))).toBe(false);
  });
});

describe('TelltaleConfigError.is', () => {
  it('is true only for configuration errors', () => {
    expect(TelltaleConfigError.is(new TelltaleConfigError({ option: 'x', value: 1, expected: 'y' }))).toBe(true);
    expect(TelltaleConfigError.is(new SttProviderError('x', { provider: 'p', kind: 'permanent' }))).toBe(false);
  });
});
