import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, TelltaleConfigError, TelltaleError } from '@telltale/core';
import {
  alertReceiver,
  createNotifier,
  memoryChannel,
  NotifyDeliveryError,
  recipientIdempotencyKey,
  type MemoryChannel,
  type NotifierOptions,
  type NotifyEvent,
  type RecipientPreferences,
} from '@telltale/notify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { firingGroup } from './support/alert-groups.js';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const HOUR = 3_600_000;
const MINUTE = 60_000;
const at = (iso: string): number => Date.parse(iso);

const PEOPLE: Record<string, RecipientPreferences> = {
  // Berlin: CET (UTC+1) in winter, CEST (UTC+2) from 29 March 2026.
  ana: {
    name: 'Ana',
    addresses: { email: 'ana@example.com', sms: '+4915112345678' },
    minSeverity: 'warning',
    timezone: 'Europe/Berlin',
    quietHours: { start: '22:00', end: '07:00' },
  },
  // New York: EDT (UTC-4) until 1 November 2026, then EST (UTC-5).
  ben: {
    addresses: { email: 'ben@example.com', sms: '+12125550100', ops: 'U024BE7LH' },
    channels: ['email'],
    timezone: 'America/New_York',
    quietHours: { start: '21:00', end: '06:00' },
  },
  // Kolkata: UTC+5:30, no DST.
  ravi: {
    addresses: { sms: '+919812345678' },
    timezone: 'Asia/Kolkata',
    quietHours: { start: '23:30', end: '06:30' },
  },
};

interface Scenario {
  clock: ReturnType<typeof createManualClock>;
  email: MemoryChannel;
  sms: MemoryChannel;
  ops: MemoryChannel;
  notifier: ReturnType<typeof createNotifier>;
  events: NotifyEvent[];
  /** `recipient:channel` → clock time of the delivery. */
  deliveredAt: Map<string, number>;
}

function makeScenario(startIso: string, extra: Partial<NotifierOptions> = {}): Scenario {
  const clock = createManualClock({ now: at(startIso) });
  const email = memoryChannel({ addressesPeople: true });
  const sms = memoryChannel();
  const ops = memoryChannel();
  const notifier = createNotifier({
    channels: { email, sms, ops },
    recipients: PEOPLE,
    clock,
    breaker: false,
    ...extra,
  });
  cleanups.push(() => notifier.close({ timeout: 0 }));
  const events: NotifyEvent[] = [];
  const deliveredAt = new Map<string, number>();
  notifier.onEvent((event) => {
    events.push(event);
    if (event.type === 'delivered') deliveredAt.set(`${event.recipient ?? '-'}:${event.channel}`, clock.now());
  });
  return { clock, email, sms, ops, notifier, events, deliveredAt };
}

describe.each(DELIVERY_PATHS)(
  'recipient preferences: quiet hours in the recipient’s zone (fake clock) ($name)',
  (path) => {
    const scenario = (startIso: string, extra: Partial<NotifierOptions> = {}): Scenario =>
      makeScenario(startIso, { ...extra, ...path.options() });

    it('defers until 07:00 CEST across the Europe/Berlin spring-forward (the night is an hour shorter)', async () => {
      // 23:00 CET on 28 March = 22:00 UTC; 07:00 CEST on 29 March = 05:00 UTC: 7 hours, not 8.
      const { clock, notifier, deliveredAt } = scenario('2026-03-28T22:00:00Z');
      const receipt = await notifier.send(
        { to: ['ignored@example.com'], subject: 'Digest', severity: 'warning' },
        { recipients: ['ana'], idempotencyKey: 'digest-1' },
      );
      const release = at('2026-03-29T05:00:00Z');
      expect(receipt.deliveries).toEqual([
        {
          id: `${receipt.messageId}:ana:email`,
          channel: 'email',
          recipient: 'ana',
          idempotencyKey: 'digest-1/ana/email',
          status: 'deferred',
          notBefore: release,
        },
        {
          id: `${receipt.messageId}:ana:sms`,
          channel: 'sms',
          recipient: 'ana',
          idempotencyKey: 'digest-1/ana/sms',
          status: 'deferred',
          notBefore: release,
        },
      ]);
      expect(notifier.stats().email!.pending).toBe(1);
      await clock.advanceAsync(7 * HOUR - 1);
      expect(deliveredAt.size).toBe(0);
      await clock.advanceAsync(1);
      expect(deliveredAt.get('ana:email')).toBe(release);
      expect(deliveredAt.get('ana:sms')).toBe(release);
    });

    it('defers until 06:00 EST across the America/New_York fall-back (the night is an hour longer)', async () => {
      // 23:00 EDT on 31 October = 03:00 UTC; 06:00 EST on 1 November = 11:00 UTC: 8 hours.
      const { clock, notifier, deliveredAt } = scenario('2026-11-01T03:00:00Z');
      const receipt = await notifier.send({ subject: 'Backup done', severity: 'error' }, { recipients: ['ben'] });
      expect(receipt.deliveries?.map((delivery) => delivery.notBefore)).toEqual([at('2026-11-01T11:00:00Z')]);
      await clock.advanceAsync(7 * HOUR);
      // 06:00 UTC-4 would be 10:00 UTC: still night in New York after the change.
      expect(deliveredAt.has('ben:email')).toBe(false);
      await clock.advanceAsync(1 * HOUR);
      expect(deliveredAt.get('ben:email')).toBe(at('2026-11-01T11:00:00Z'));
    });

    it('defers until 06:30 IST in Asia/Kolkata (a half-hour offset)', async () => {
      // 00:00 IST on 2 June = 18:30 UTC on 1 June; 06:30 IST = 01:00 UTC.
      const { clock, notifier, deliveredAt } = scenario('2026-06-01T18:30:00Z');
      await notifier.send({ subject: 'Report ready' }, { recipients: ['ravi'] });
      await clock.advanceAsync(6.5 * HOUR - 1);
      expect(deliveredAt.has('ravi:sms')).toBe(false);
      await clock.advanceAsync(1);
      expect(deliveredAt.get('ravi:sms')).toBe(at('2026-06-02T01:00:00Z'));
    });

    it('sends critical messages at once, inside quiet hours', async () => {
      const { clock, notifier, deliveredAt, email } = scenario('2026-01-15T23:30:00Z'); // 00:30 in Berlin
      const receipt = await notifier.send({ subject: 'Database down', severity: 'critical' }, { recipients: ['ana'] });
      expect(receipt.deliveries?.map((delivery) => delivery.status)).toEqual(['queued', 'queued']);
      await clock.advanceAsync(0);
      expect(deliveredAt.get('ana:email')).toBe(at('2026-01-15T23:30:00Z'));
      expect(deliveredAt.get('ana:sms')).toBe(at('2026-01-15T23:30:00Z'));
      expect(email.delivered[0]!.message.to).toEqual([{ address: 'ana@example.com', name: 'Ana' }]);
    });

    it('honours quiet-hour days: a window on weekdays only lets a Saturday-night message through', async () => {
      const weekdays = {
        kim: {
          addresses: { sms: '+4915100000000' },
          timezone: 'Europe/Berlin',
          quietHours: { start: '22:00', end: '07:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
        },
      } satisfies Record<string, RecipientPreferences>;
      // Saturday 17 January 2026, 23:00 CET: no window starts on Saturday.
      const saturday = scenario('2026-01-17T22:00:00Z', { recipients: weekdays });
      await saturday.notifier.send({ subject: 'x' }, { recipients: ['kim'] });
      await saturday.clock.advanceAsync(0);
      expect(saturday.deliveredAt.get('kim:sms')).toBe(at('2026-01-17T22:00:00Z'));
      // Saturday 02:00 CET belongs to Friday's window: held until 07:00 CET (06:00 UTC).
      const fridayNight = scenario('2026-01-17T01:00:00Z', { recipients: weekdays });
      await fridayNight.notifier.send({ subject: 'y' }, { recipients: ['kim'] });
      await fridayNight.clock.advanceAsync(5 * HOUR);
      expect(fridayNight.deliveredAt.get('kim:sms')).toBe(at('2026-01-17T06:00:00Z'));
    });

    it('applies quiet hours at delivery time too: a retry that lands inside them waits for their end', async () => {
      let failures = 1;
      const clock = createManualClock({ now: at('2026-01-15T20:59:30Z') }); // 21:59:30 in Berlin
      const sms = memoryChannel({
        behavior: () => {
          if (failures-- > 0)
            throw new NotifyDeliveryError('gateway busy', { classification: 'retryable', provider: 'sms' });
        },
      });
      const notifier = createNotifier({
        channels: { sms },
        recipients: {
          ana: { addresses: { sms: '+49151' }, timezone: 'Europe/Berlin', quietHours: PEOPLE.ana!.quietHours! },
        },
        clock,
        breaker: false,
        retry: { initialDelay: '1m', jitter: 'none' },
        ...path.options(),
      });
      cleanups.push(() => notifier.close({ timeout: 0 }));
      const events: NotifyEvent[] = [];
      notifier.onEvent((event) => events.push(event));
      await notifier.send({ subject: 'Weekly report', severity: 'warning' }, { recipients: ['ana'] });
      await clock.advanceAsync(0);
      expect(sms.attempts).toHaveLength(1);
      // The retry is due at 22:00:30 Berlin: inside quiet hours, so it is deferred to 07:00 (06:00 UTC).
      await clock.advanceAsync(MINUTE);
      const deferred = events.find((event) => event.type === 'deferred');
      expect(deferred).toMatchObject({ recipient: 'ana', notBefore: at('2026-01-16T06:00:00Z') });
      expect(sms.attempts).toHaveLength(1);
      await clock.advanceAsync(at('2026-01-16T06:00:00Z') - clock.now() - 1);
      expect(sms.attempts).toHaveLength(1);
      await clock.advanceAsync(1);
      expect(sms.delivered).toHaveLength(1);
      expect(sms.delivered[0]!.attempt).toBe(2);
    });
  },
);

describe.each(DELIVERY_PATHS)('recipient preferences: severity, fan-out and keys ($name)', (path) => {
  const scenario = (startIso: string, extra: Partial<NotifierOptions> = {}): Scenario =>
    makeScenario(startIso, { ...extra, ...path.options() });

  it('skips messages below a recipient’s minSeverity, observably, and queues nothing for them', async () => {
    const { clock, notifier, events, email } = scenario('2026-01-15T12:00:00Z');
    const receipt = await notifier.send(
      { subject: 'FYI', severity: 'info' },
      { recipients: ['ana', 'ben'], idempotencyKey: 'fyi', await: 'delivered' },
    );
    expect(receipt.deliveries?.filter((delivery) => delivery.status === 'skipped')).toEqual([
      {
        id: `${receipt.messageId}:ana:email`,
        channel: 'email',
        recipient: 'ana',
        idempotencyKey: 'fyi/ana/email',
        status: 'skipped',
        reason: 'below-min-severity',
      },
      {
        id: `${receipt.messageId}:ana:sms`,
        channel: 'sms',
        recipient: 'ana',
        idempotencyKey: 'fyi/ana/sms',
        status: 'skipped',
        reason: 'below-min-severity',
      },
    ]);
    expect(events.filter((event) => event.type === 'skipped').map((event) => event.deliveryId)).toEqual([
      `${receipt.messageId}:ana:email`,
      `${receipt.messageId}:ana:sms`,
    ]);
    // Ben's delivery went out (the fake clock runs nothing else meanwhile: results are keyed channel:recipient).
    expect(Object.keys(receipt.results ?? {})).toEqual(['email:ben']);
    await clock.advanceAsync(0);
    expect(email.delivered.map((delivery) => delivery.recipient?.id)).toEqual(['ben']);
    // Everyone skipped: nothing is owed, and `await: 'delivered'` resolves at once.
    const none = await notifier.send({ subject: 'FYI 2' }, { recipients: ['ana'], await: 'delivered' });
    expect(none).toMatchObject({ channels: [], results: {} });
    await notifier.flush({ timeout: '1s' });
  });

  it('fans out one delivery per recipient and channel, each with a key derived from the message key', async () => {
    // 13:00 in Berlin, 07:00 in New York, 17:30 in Kolkata: nobody is in quiet hours.
    const { clock, notifier, email, sms } = scenario('2026-01-15T12:00:00Z');
    const first = await notifier.send(
      { subject: 'Invoice overdue', severity: 'warning', text: 'Pay now' },
      { recipients: ['ana', 'ben', 'ravi'], idempotencyKey: 'invoice-7-overdue' },
    );
    expect(first.channels).toEqual(['email', 'sms']);
    await clock.advanceAsync(0);
    expect(email.delivered.map((delivery) => [delivery.idempotencyKey, delivery.message.to])).toEqual([
      ['invoice-7-overdue/ana/email', [{ address: 'ana@example.com', name: 'Ana' }]],
      ['invoice-7-overdue/ben/email', [{ address: 'ben@example.com' }]],
    ]);
    expect(sms.delivered.map((delivery) => [delivery.idempotencyKey, delivery.recipient])).toEqual([
      ['invoice-7-overdue/ana/sms', { id: 'ana', address: '+4915112345678', name: 'Ana' }],
      ['invoice-7-overdue/ravi/sms', { id: 'ravi', address: '+919812345678' }],
    ]);
    expect(new Set([...email.delivered, ...sms.delivered].map((delivery) => delivery.id)).size).toBe(4);
    // A retried send (same key) is a duplicate: the fan-out is not repeated.
    const again = await notifier.send(
      { subject: 'Invoice overdue', severity: 'warning' },
      { recipients: ['ana', 'ben', 'ravi'], idempotencyKey: 'invoice-7-overdue' },
    );
    expect(again).toMatchObject({ duplicate: true, messageId: first.messageId });
    await clock.advanceAsync(0);
    expect(email.delivered.length + sms.delivered.length).toBe(4);
    expect(recipientIdempotencyKey('invoice-7-overdue', 'ana', 'email')).toBe('invoice-7-overdue/ana/email');
    expect(recipientIdempotencyKey('k'.repeat(250), 'ana', 'email')).toMatch(/^fanout-[0-9a-f]{64}$/);
  });

  it('routes name recipients; send({ channels, recipients }) combines a broadcast with personal deliveries', async () => {
    const { clock, notifier, ops, email, sms } = scenario('2026-01-15T12:00:00Z', {
      routes: [{ minSeverity: 'critical', channels: ['ops'], recipients: ['ben', 'ravi'] }, { channels: ['ops'] }],
    });
    const routed = await notifier.send({ subject: 'Payments down', severity: 'critical' }, { idempotencyKey: 'inc-1' });
    expect(routed.deliveries?.map((delivery) => `${delivery.recipient ?? '-'}:${delivery.channel}`)).toEqual([
      '-:ops',
      'ben:email',
      'ravi:sms',
    ]);
    await notifier.send({ subject: 'Direct', severity: 'warning' }, { channels: ['ops'], recipients: ['ana'] });
    await clock.advanceAsync(0);
    expect(ops.delivered.map((delivery) => [delivery.message.subject, delivery.idempotencyKey])).toEqual([
      ['Payments down', 'inc-1'],
      ['Direct', expect.stringMatching(/^msg_/)],
    ]);
    expect(email.delivered.map((delivery) => delivery.recipient?.id)).toEqual(['ben', 'ana']);
    expect(sms.delivered.map((delivery) => delivery.recipient?.id)).toEqual(['ravi', 'ana']);
  });

  it('falls back to another channel only where the recipient has an address there', async () => {
    const clock = createManualClock({ now: at('2026-01-15T12:00:00Z') });
    const email = memoryChannel({ addressesPeople: true });
    const sms = memoryChannel({
      behavior: () => {
        throw new NotifyDeliveryError('number unreachable', { classification: 'permanent', provider: 'sms' });
      },
    });
    const notifier = createNotifier({
      channels: { email, sms },
      recipients: {
        bo: { addresses: { sms: '+1555', email: 'bo@example.com' }, channels: ['sms'] },
        cy: { addresses: { sms: '+1556' } },
      },
      fallbacks: { sms: 'email' },
      clock,
      breaker: false,
      ...path.options(),
    });
    cleanups.push(() => notifier.close({ timeout: 0 }));
    await notifier.send({ subject: 'Ping' }, { recipients: ['bo', 'cy'], idempotencyKey: 'ping' });
    await clock.advanceAsync(0);
    expect(
      email.delivered.map((delivery) => [delivery.idempotencyKey, delivery.message.to, delivery.fallbackFrom]),
    ).toEqual([['ping/bo/email', [{ address: 'bo@example.com' }], 'sms']]);
    expect(notifier.deadLetters().map((letter) => [letter.recipient?.id, letter.idempotencyKey])).toEqual([
      ['bo', 'ping/bo/sms'],
      ['cy', 'ping/cy/sms'],
    ]);
  });

  it('alertReceiver sends to named recipients on their channels, with addresses in `to` for broadcasts', async () => {
    const { clock, notifier, email, ops } = scenario('2026-01-15T12:00:00Z');
    await alertReceiver(notifier, { recipients: ['ben'] }).receive(firingGroup());
    await alertReceiver(notifier, { channels: ['ops'], recipients: () => [] }).receive(
      firingGroup({ groupKey: '{}:{alertname="Other"}' }),
    );
    await clock.advanceAsync(0);
    expect(email.delivered.map((delivery) => [delivery.recipient?.id, delivery.message.severity])).toEqual([
      ['ben', 'critical'],
    ]);
    expect(ops.delivered).toHaveLength(1);
  });
});

describe('recipient preferences: durability and validation', () => {
  it('keeps a deferral across a restart with the file store, and delivers at the end of quiet hours', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'telltale-recipients-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const make = (nowIso: string, recipients: Record<string, RecipientPreferences>) => {
      const clock = createManualClock({ now: at(nowIso) });
      const email = memoryChannel({ addressesPeople: true });
      const notifier = createNotifier({
        channels: { email, sms: memoryChannel(), ops: memoryChannel() },
        recipients,
        directory,
        clock,
        breaker: false,
      });
      return { clock, email, notifier };
    };
    // 23:00 CET on 15 January: held until 07:00 CET = 06:00 UTC.
    const first = make('2026-01-15T22:00:00Z', PEOPLE);
    const receipt = await first.notifier.send(
      { subject: 'Nightly digest', severity: 'warning' },
      { recipients: ['ana'], idempotencyKey: 'digest-15' },
    );
    await first.notifier.close({ timeout: 0 });
    expect(first.email.attempts).toHaveLength(0);

    // A new process at 02:00 CET, where Ana has no quiet hours configured any more: only the
    // not-before time read back from the journal can hold the delivery until 07:00.
    const { quietHours: _dropped, ...anaAwake } = PEOPLE.ana!;
    const second = make('2026-01-16T01:00:00Z', { ...PEOPLE, ana: anaAwake });
    cleanups.push(() => second.notifier.close({ timeout: 0 }));
    await vi.waitFor(() => expect(second.notifier.stats().email!.pending).toBe(1), { timeout: 2000 });
    await second.clock.advanceAsync(5 * HOUR - 1);
    expect(second.email.attempts).toHaveLength(0);
    await second.clock.advanceAsync(1);
    await second.notifier.flush({ timeout: '2s' });
    expect(second.email.delivered.map((delivery) => [delivery.id, delivery.idempotencyKey])).toEqual([
      [`${receipt.messageId}:ana:email`, 'digest-15/ana/email'],
    ]);
    expect(second.clock.now()).toBe(at('2026-01-16T06:00:00Z'));
    // The key survived the restart (it expires by the notifier's clock): a re-send is a duplicate.
    const again = await second.notifier.send(
      { subject: 'Nightly digest', severity: 'warning' },
      { recipients: ['ana'], idempotencyKey: 'digest-15' },
    );
    expect(again).toMatchObject({ duplicate: true, messageId: receipt.messageId });
  });

  it('refuses unknown recipients at send, naming them', async () => {
    const { notifier } = makeScenario('2026-01-15T12:00:00Z');
    await expect(notifier.send({ subject: 'x' }, { recipients: 'ana' as never })).rejects.toThrow(
      /recipients must be an array/,
    );
    await expect(notifier.send({ subject: 'x' }, { recipients: ['zoe'] })).rejects.toMatchObject({
      code: 'TELLTALE_NOTIFY_UNKNOWN_RECIPIENT',
      details: { recipient: 'zoe' },
    });
    const error: unknown = await notifier
      .send({ subject: 'x' }, { recipients: ['zoe@example.com'] })
      .catch((caught: unknown) => caught);
    expect(TelltaleError.is(error, 'TELLTALE_NOTIFY_UNKNOWN_RECIPIENT')).toBe(true);
    expect((error as Error).message).toMatch(/addresses go in the message's `to`/);
  });

  it('validates recipients at construction, naming the option', () => {
    const channels = { email: memoryChannel({ addressesPeople: true }), sms: memoryChannel() };
    const make =
      (recipients: Record<string, unknown>, extra: Partial<NotifierOptions> = {}) =>
      () =>
        createNotifier({ channels, recipients: recipients as Record<string, RecipientPreferences>, ...extra });
    expect(make({ ana: { addresses: { fax: '1' } } })).toThrow(/recipients\.ana\.addresses\.fax/);
    expect(make({ ana: { addresses: { email: '+49151' } } })).toThrow(/plain email address/);
    expect(make({ ana: { addresses: { sms: 'a\r\nb' } } })).toThrow(TelltaleConfigError);
    expect(make({ ana: { addresses: {} } })).toThrow(/recipients\.ana\.addresses/);
    expect(make({ ana: { addresses: { sms: '1' }, channels: ['email'] } })).toThrow(/recipients\.ana\.channels/);
    expect(make({ ana: { addresses: { sms: '1' }, timezone: 'Mars/Olympus' } })).toThrow(/recipients\.ana\.timezone/);
    expect(make({ ana: { addresses: { sms: '1' }, minSeverity: 'panic' } })).toThrow(/recipients\.ana\.minSeverity/);
    expect(make({ ana: { addresses: { sms: '1' }, quietHours: { start: '22:00', end: '22:00' } } })).toThrow(
      /recipients\.ana\.quietHours\.end/,
    );
    expect(
      make({ ana: { addresses: { sms: '1' }, quietHours: { start: '22:00', end: '07:00', days: ['fri', 'sab'] } } }),
    ).toThrow(/recipients\.ana\.quietHours\.days/);
    expect(make({ 'a:b': { addresses: { sms: '1' } } })).toThrow(/recipients\.a:b/);
    expect(make({ ana: { addresses: { sms: '1' } } }, { routes: [{ recipients: ['zoe'] }] })).toThrow(
      /routes\[0\]\.recipients/,
    );
  });
});
