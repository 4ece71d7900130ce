import { createManualClock, TelltaleConfigError } from '@telltale/core';
import { createNotifier, memoryChannel, type QuietHours } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const HOUR = 3_600_000;

describe.each(DELIVERY_PATHS)('quiet hours (fake clock, Intl time zones) ($name)', (path) => {
  function scenario(startIso: string, quiet: QuietHours) {
    const clock = createManualClock({ now: Date.parse(startIso) });
    const ops = memoryChannel();
    const pager = memoryChannel();
    const notifier = createNotifier({
      channels: { ops, pager },
      clock,
      breaker: false,
      quietHours: { ops: quiet },
      ...path.options(),
    });
    cleanups.push(() => notifier.close({ timeout: 0 }));
    const deliveredAt = new Map<string, number>();
    notifier.onEvent((event) => {
      if (event.type === 'delivered') deliveredAt.set(`${event.channel}:${event.idempotencyKey}`, clock.now());
    });
    return { clock, ops, pager, notifier, deliveredAt };
  }

  it('holds non-critical messages until the local end of the window; critical ones go at once', async () => {
    // 23:30 in Berlin (CET, UTC+1) on 2026-01-15.
    const { clock, notifier, deliveredAt } = scenario('2026-01-15T22:30:00Z', {
      timezone: 'Europe/Berlin',
      start: '22:00',
      end: '07:00',
    });
    await notifier.send({ subject: 'Digest', severity: 'warning' }, { idempotencyKey: 'w' });
    await notifier.send({ subject: 'Down', severity: 'critical' }, { idempotencyKey: 'c' });
    await clock.advanceAsync(0);
    expect(deliveredAt.get('ops:c')).toBe(Date.parse('2026-01-15T22:30:00Z'));
    expect(deliveredAt.get('pager:w')).toBe(Date.parse('2026-01-15T22:30:00Z'));
    expect(deliveredAt.has('ops:w')).toBe(false);
    expect(notifier.stats().ops!.pending).toBe(1);
    await clock.advanceAsync(7.5 * HOUR - 1);
    expect(deliveredAt.has('ops:w')).toBe(false);
    await clock.advanceAsync(1);
    // 07:00 Berlin = 06:00 UTC.
    expect(deliveredAt.get('ops:w')).toBe(Date.parse('2026-01-16T06:00:00Z'));
  });

  it('follows the spring-forward DST change (Europe/Berlin, 2026-03-29: the night is an hour shorter)', async () => {
    // 23:00 CET on 28 March = 22:00 UTC; 07:00 CEST on 29 March = 05:00 UTC: 7 hours, not 8.
    const { clock, notifier, deliveredAt } = scenario('2026-03-28T22:00:00Z', {
      timezone: 'Europe/Berlin',
      start: '22:00',
      end: '07:00',
    });
    await notifier.send({ subject: 'Digest' }, { idempotencyKey: 'i' });
    await clock.advanceAsync(7 * HOUR);
    expect(deliveredAt.get('ops:i')).toBe(Date.parse('2026-03-29T05:00:00Z'));
  });

  it('ends a window whose local end falls into the spring-forward gap at the jump (Europe/Berlin)', async () => {
    // 02:30 does not exist on 29 March 2026 in Berlin: clocks go from 02:00 CET (01:00 UTC) to 03:00 CEST.
    const { clock, notifier, deliveredAt } = scenario('2026-03-28T22:00:00Z', {
      timezone: 'Europe/Berlin',
      start: '22:00',
      end: '02:30',
    });
    await notifier.send({ subject: 'Digest' }, { idempotencyKey: 'gap' });
    await clock.advanceAsync(3 * HOUR - 1);
    expect(deliveredAt.has('ops:gap')).toBe(false);
    await clock.advanceAsync(1);
    expect(deliveredAt.get('ops:gap')).toBe(Date.parse('2026-03-29T01:00:00Z'));
  });

  it('follows the fall-back DST change (America/New_York, 2026-11-01: the night is an hour longer)', async () => {
    // 23:00 EDT on 31 October = 03:00 UTC; 06:00 EST on 1 November = 11:00 UTC: 8 hours.
    const { clock, notifier, deliveredAt } = scenario('2026-11-01T03:00:00Z', {
      timezone: 'America/New_York',
      start: '21:00',
      end: '06:00',
    });
    await notifier.send({ subject: 'Digest', severity: 'error' }, { idempotencyKey: 'e' });
    await clock.advanceAsync(7 * HOUR);
    expect(deliveredAt.has('ops:e')).toBe(false);
    await clock.advanceAsync(1 * HOUR);
    expect(deliveredAt.get('ops:e')).toBe(Date.parse('2026-11-01T11:00:00Z'));
  });

  it('passes messages outside the window and handles same-day windows in other zones', async () => {
    // 12:00 in Tokyo (UTC+9): inside a 09:00–17:00 "meeting" window; 03:00 UTC.
    const inside = scenario('2026-06-01T03:00:00Z', { timezone: 'Asia/Tokyo', start: '09:00', end: '17:00' });
    await inside.notifier.send({ subject: 'x' }, { idempotencyKey: 'x' });
    await inside.clock.advanceAsync(5 * HOUR);
    expect(inside.deliveredAt.get('ops:x')).toBe(Date.parse('2026-06-01T08:00:00Z'));
    // 18:00 Tokyo: outside.
    const outside = scenario('2026-06-01T09:00:00Z', { timezone: 'Asia/Tokyo', start: '09:00', end: '17:00' });
    await outside.notifier.send({ subject: 'y' }, { idempotencyKey: 'y' });
    await outside.clock.advanceAsync(0);
    expect(outside.deliveredAt.get('ops:y')).toBe(Date.parse('2026-06-01T09:00:00Z'));
  });

  it('validates the windows at construction', () => {
    const channels = { ops: memoryChannel() };
    const make = (quiet: Record<string, unknown>) =>
      createNotifier({ channels, quietHours: { ops: { timezone: 'UTC', start: '22:00', end: '07:00', ...quiet } } });
    expect(() => make({ timezone: 'Mars/Olympus' })).toThrow(/quietHours\.ops\.timezone/);
    expect(() => make({ start: '25:00' })).toThrow(TelltaleConfigError);
    expect(() => make({ urgentSeverity: 'panic' })).toThrow(/urgentSeverity/);
    expect(() => make({ days: [] })).toThrow(/quietHours\.ops\.days/);
    expect(() =>
      createNotifier({ channels, quietHours: { nope: { timezone: 'UTC', start: '22:00', end: '07:00' } } }),
    ).toThrow(/quietHours\.nope/);
  });
});
