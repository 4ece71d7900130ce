import { describe, expect, expectTypeOf, it } from 'vitest';
import { createManualClock, type AlertGroup } from '@telltale/core';
import {
  createAlertRouter,
  type NotificationDeliveredEvent,
  type NotificationEvent,
  type NotificationEventType,
  type NotificationFailedEvent,
} from '@telltale/alerts';

const S = 1000;

/** A router on a manual clock whose receiver throws each of `throws` in turn, then accepts. */
function setup(throws: unknown[]) {
  const clock = createManualClock({ now: 0 });
  const pending = [...throws];
  const router = createAlertRouter({
    route: { receiver: 'team', group_by: ['alertname'] },
    receivers: {
      team: () => {
        if (pending.length > 0) throw pending.shift();
      },
    },
    clock,
  });
  const events: NotificationEvent[] = [];
  const subscription = router.onNotification((event) => events.push(event));
  router.put([{ labels: { alertname: 'High', instance: 'a' }, startsAt: 0 }]);
  return { clock, router, events, subscription };
}

describe('NotificationEvent: one variant per outcome', () => {
  it('reports a failed attempt with its error, then the delivered retry without one', async () => {
    const down = new Error('receiver down');
    const t = setup([down]);
    await t.clock.advanceAsync(40 * S);
    expect(t.events.map((event) => event.type)).toEqual(['failed', 'delivered']);
    const [failed, delivered] = t.events as [NotificationFailedEvent, NotificationDeliveredEvent];
    const payload: AlertGroup = delivered.payload;
    expect(payload.groupKey).toBe('{}:{alertname="High"}');
    expect(failed).toStrictEqual({
      type: 'failed',
      outcome: 'failure',
      receiver: 'team',
      groupKey: payload.groupKey,
      time: 30 * S,
      attempt: 1,
      payload,
      error: down,
    });
    // No placeholder `error: undefined` on a delivery.
    expect(delivered).toStrictEqual({
      type: 'delivered',
      outcome: 'success',
      receiver: 'team',
      groupKey: payload.groupKey,
      time: 31 * S,
      attempt: 2,
      payload,
    });
    expect(Object.keys(delivered)).not.toContain('error');
    await t.router.close();
  });

  it('is failed even when the receiver throws undefined', async () => {
    const t = setup([undefined]);
    await t.clock.advanceAsync(30 * S);
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({ type: 'failed', outcome: 'failure', attempt: 1 });
    expect(Object.keys(t.events[0]!)).toContain('error');
    await t.router.close();
  });

  it('stops reporting once the subscription is disposed', async () => {
    const t = setup([new Error('down')]);
    await t.clock.advanceAsync(30 * S);
    expect(t.events).toHaveLength(1);
    t.subscription.dispose();
    await t.clock.advanceAsync(10 * S);
    expect(t.events).toHaveLength(1);
    await t.router.close();
  });

  it('narrows on type: error exists only on failed, outcome stays as a deprecated alias', () => {
    expectTypeOf<NotificationEventType>().toEqualTypeOf<'delivered' | 'failed'>();
    expectTypeOf<NotificationFailedEvent['error']>().toEqualTypeOf<unknown>();
    expectTypeOf<NotificationDeliveredEvent>().not.toHaveProperty('error');
    expectTypeOf<Extract<NotificationEvent, { type: 'failed' }>>().toEqualTypeOf<NotificationFailedEvent>();
    expectTypeOf<NotificationDeliveredEvent['outcome']>().toEqualTypeOf<'success'>();
    expectTypeOf<NotificationFailedEvent['outcome']>().toEqualTypeOf<'failure'>();
  });
});
