import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { subscribe, type Subscription } from '@telltale/live/client';
import { startHub, until, type TestHub } from './helpers.js';

describe('browser client: close() returns a Promise like every close() in Telltale', () => {
  let running: TestHub | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('resolves once closed, reports closed once and drops the transport; closing again resolves', async () => {
    running = await startHub({ idleTimeout: '1h' });
    const states: string[] = [];
    const subscription = subscribe(`${running.base}/live/t`, () => {}, {
      transports: ['polling'],
      onStatus: (status) => states.push(status.state),
    });
    await until(() => states.includes('open'));
    const closing = subscription.close();
    expect(closing).toBeInstanceOf(Promise);
    await expect(closing).resolves.toBeUndefined();
    expect(subscription.transport).toBeUndefined();
    await expect(subscription.close()).resolves.toBeUndefined();
    expect(states.filter((state) => state === 'closed')).toHaveLength(1);
  });

  it('is typed as Promise<void>', () => {
    expectTypeOf<ReturnType<Subscription['close']>>().toEqualTypeOf<Promise<void>>();
  });
});
