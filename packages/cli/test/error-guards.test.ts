import { TelltaleError } from '@telltale/core';
import { describe, expect, it } from 'vitest';
import type * as usageModule from '../src/usage-error.js';
import type * as httpModule from '../src/http-get.js';
import { UnreachableError } from '../src/http-get.js';
import { UsageError } from '../src/usage-error.js';

// A second copy of the modules, as a process gets when two installed CLIs share a runner.
// A runtime specifier, so the type checker does not try to resolve the query string.
const secondCopy = (path: string): Promise<unknown> => import(`${path}?copy=second`);
type UsageModule = typeof usageModule;
type HttpModule = typeof httpModule;
const usageCopy = (await secondCopy('../src/usage-error.ts')) as UsageModule;
const httpCopy = (await secondCopy('../src/http-get.ts')) as HttpModule;

describe('cli errors', () => {
  it('are Telltale errors with stable codes', () => {
    expect(new UsageError('bad flag')).toMatchObject({ code: 'TELLTALE_CLI_USAGE', name: 'UsageError' });
    expect(new UnreachableError('ECONNREFUSED')).toMatchObject({
      code: 'TELLTALE_CLI_UNREACHABLE',
      name: 'UnreachableError',
    });
    expect(TelltaleError.is(new UsageError('bad flag'))).toBe(true);
  });

  it('are recognised by is() across copies of the module, and told apart', () => {
    const usage = new usageCopy.UsageError('bad flag');
    const unreachable = new httpCopy.UnreachableError('ECONNREFUSED');
    expect(usage instanceof UsageError).toBe(false);
    expect(UsageError.is(usage)).toBe(true);
    expect(UnreachableError.is(unreachable)).toBe(true);
    expect(UsageError.is(unreachable)).toBe(false);
    expect(UnreachableError.is(new Error('ECONNREFUSED'))).toBe(false);
  });
});
