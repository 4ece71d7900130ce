import { runInNewContext } from 'node:vm';
import { createManualClock, TelltaleError } from '@telltale/core';
import {
  createNotifier,
  memoryChannel,
  NotifyDeliveryError,
  NotifyMessageError,
  NotifyStoreLockedError,
  NotifyTemplateError,
  type NotifyEvent,
} from '@telltale/notify';
import { describe, expect, it } from 'vitest';
import type * as errorsModule from '../src/errors.js';
import type * as lockModule from '../src/stores/store-lock.js';
import type * as templatesModule from '../src/templates/registry.js';

// A second copy of the modules, as an app gets when two versions of @telltale/notify are installed:
// the query string makes the loader evaluate the files again, so the classes are distinct.
// A runtime specifier, so the type checker does not try to resolve the query string.
const secondCopy = (path: string): Promise<unknown> => import(`${path}?copy=second`);
type ErrorsModule = typeof errorsModule;
type LockModule = typeof lockModule;
type TemplatesModule = typeof templatesModule;
const copy = (await secondCopy('../src/errors.ts')) as ErrorsModule;
const lockCopy = (await secondCopy('../src/stores/store-lock.ts')) as LockModule;
const templatesCopy = (await secondCopy('../src/templates/registry.ts')) as TemplatesModule;

describe('error guards', () => {
  it('the second copy really is another class (instanceof fails across it)', () => {
    expect(copy.NotifyDeliveryError).not.toBe(NotifyDeliveryError);
    const foreign = new copy.NotifyDeliveryError('x', { classification: 'retryable', provider: 'p' });
    expect(foreign instanceof NotifyDeliveryError).toBe(false);
  });

  it('recognises each error from another copy of the package by is()', () => {
    const delivery = new copy.NotifyDeliveryError('busy', {
      classification: 'rate-limited',
      provider: 'p',
      status: 429,
    });
    const message = new copy.NotifyMessageError('to[0]', 'invalid-address', 'bad');
    const locked = new lockCopy.NotifyStoreLockedError('/tmp/store', { pid: 1, hostname: 'h' });
    const template = new templatesCopy.NotifyTemplateError('welcome', 'missing-variable', 'no name', 'name');
    expect(NotifyDeliveryError.is(delivery)).toBe(true);
    expect(NotifyMessageError.is(message)).toBe(true);
    expect(NotifyStoreLockedError.is(locked)).toBe(true);
    expect(NotifyTemplateError.is(template)).toBe(true);
    expect(TelltaleError.is(delivery, 'TELLTALE_NOTIFY_DELIVERY')).toBe(true);
  });

  it('tells the kinds apart: is() is not "any Telltale error"', () => {
    const message = new NotifyMessageError('to[0]', 'invalid-address', 'bad');
    expect(NotifyDeliveryError.is(message)).toBe(false);
    expect(NotifyMessageError.is(new NotifyDeliveryError('x', { classification: 'retryable', provider: 'p' }))).toBe(
      false,
    );
    expect(NotifyTemplateError.is(new TelltaleError('TELLTALE_NOTIFY_TEMPLATE', 'no fields'))).toBe(false);
    expect(NotifyDeliveryError.is(new Error('TELLTALE_NOTIFY_DELIVERY'))).toBe(false);
    expect(NotifyDeliveryError.is({ code: 'TELLTALE_NOTIFY_DELIVERY', classification: 'retryable' })).toBe(false);
  });

  it('uses the brand, not the prototype: an error made in another realm with the brand is recognised', () => {
    // Symbol.for is shared across realms; the prototype chain (another realm's Error) is not ours at all.
    const foreign = runInNewContext(`
      const error = new Error('from another realm');
      Object.defineProperty(error, Symbol.for('telltale.error'), { value: true });
      Object.assign(error, { code: 'TELLTALE_NOTIFY_DELIVERY', classification: 'permanent', provider: 'p' });
      error;
    `) as unknown;
    expect(foreign instanceof Error).toBe(false);
    expect(NotifyDeliveryError.is(foreign)).toBe(true);
  });

  it("honours a foreign copy's Retry-After and status inside the notifier", async () => {
    const clock = createManualClock({ now: 0 });
    let limited = true;
    const inbox = memoryChannel({
      behavior: () => {
        if (!limited) return;
        limited = false;
        throw new copy.NotifyDeliveryError('slow down', {
          classification: 'rate-limited',
          provider: 'memory',
          status: 429,
          retryAfterMs: 7_000,
        });
      },
    });
    const notifier = createNotifier({ channels: { inbox }, clock, breaker: false, retry: { jitter: 'none' } });
    const events: NotifyEvent[] = [];
    notifier.onEvent((event) => events.push(event));
    try {
      await notifier.send({ subject: 'hello' });
      await clock.advanceAsync(0);
      const rateLimited = events.find((event) => event.type === 'rate-limited');
      expect(rateLimited).toMatchObject({ delayMs: 7_000, error: { status: 429, classification: 'rate-limited' } });
      await clock.advanceAsync(7_000);
      expect(inbox.delivered).toHaveLength(1);
    } finally {
      await notifier.close({ timeout: 0 });
    }
  });
});
