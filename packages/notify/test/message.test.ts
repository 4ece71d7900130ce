import { TelltaleError } from '@telltale/core';
import { createNotifier, memoryChannel, NotifyMessageError, type Notifier } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';

const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const notifier of notifiers.splice(0)) await notifier.close({ timeout: 0 });
});

function setup() {
  const email = memoryChannel({ addressesPeople: true });
  const chat = memoryChannel();
  const notifier = createNotifier({ channels: { email, chat }, breaker: false });
  notifiers.push(notifier);
  return { email, chat, notifier };
}

async function refusal(promise: Promise<unknown>): Promise<NotifyMessageError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(NotifyMessageError);
  expect(TelltaleError.is(error, 'TELLTALE_NOTIFY_INVALID_MESSAGE')).toBe(true);
  return error as NotifyMessageError;
}

describe('send(): message validation', () => {
  it('refuses a message without recipients when a channel addresses people, and queues nothing', async () => {
    const { notifier, email, chat } = setup();
    const error = await refusal(notifier.send({ subject: 'Welcome', text: 'Hi' }));
    expect(error).toMatchObject({ field: 'to', reason: 'missing' });
    // The same message is fine for chat-only delivery.
    await notifier.send({ subject: 'Welcome', text: 'Hi' }, { channels: ['chat'], await: 'delivered' });
    expect(chat.delivered).toHaveLength(1);
    expect(email.attempts).toHaveLength(0);
    expect(notifier.stats().email?.pending).toBe(0);
  });

  it('refuses an empty subject and body', async () => {
    const { notifier } = setup();
    expect(await refusal(notifier.send({ to: ['a@example.com'], subject: '', text: '' }))).toMatchObject({
      field: 'subject',
      reason: 'empty',
    });
    expect(await refusal(notifier.send({ to: ['a@example.com'], subject: '   ' }))).toMatchObject({
      field: 'subject',
      reason: 'empty',
    });
    expect(await refusal(notifier.send({ to: ['a@example.com'] } as never))).toMatchObject({ field: 'subject' });
  });

  it.each([
    [{ to: ['a@example.com'], subject: 'Hi\r\nBcc: victim@example.com' }, 'subject'],
    [{ to: ['a@example.com'], subject: 'Hi\nX-Evil: 1' }, 'subject'],
    [{ to: ['a@example.com\r\nBcc: victim@example.com'], subject: 'Hi' }, 'to[0]'],
    [{ to: [{ address: 'a@example.com', name: 'Ana\r\nBcc: v@example.com' }], subject: 'Hi' }, 'to[0].name'],
    [{ to: [{ address: 'a@example.com\nBcc: v@example.com' }], subject: 'Hi' }, 'to[0].address'],
  ])('refuses header injection (%#) in %s', async (message, field) => {
    const { notifier, email, chat } = setup();
    const error = await refusal(notifier.send(message));
    expect(error).toMatchObject({ field, reason: 'header-injection' });
    expect(notifier.stats().email?.pending).toBe(0);
    expect(notifier.stats().chat?.pending).toBe(0);
    expect(email.attempts.length + chat.attempts.length).toBe(0);
  });

  it('refuses malformed addresses, links, severities, data and keys', async () => {
    const { notifier } = setup();
    expect(await refusal(notifier.send({ to: ['not-an-address'], subject: 'x' }))).toMatchObject({
      field: 'to[0].address',
      reason: 'invalid-address',
    });
    expect(await refusal(notifier.send({ to: ['a@example.com, b@example.com'], subject: 'x' }))).toMatchObject({
      reason: 'invalid-address',
    });
    expect(
      await refusal(notifier.send({ to: ['a@example.com'], subject: 'x', links: [{ href: 'javascript:alert(1)' }] })),
    ).toMatchObject({ field: 'links[0].href' });
    expect(
      await refusal(notifier.send({ to: ['a@example.com'], subject: 'x', severity: 'fatal' as never })),
    ).toMatchObject({ field: 'severity' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await refusal(notifier.send({ to: ['a@example.com'], subject: 'x', data: cyclic }))).toMatchObject({
      reason: 'not-serializable',
    });
    expect(
      await refusal(notifier.send({ to: ['a@example.com'], subject: 'x' }, { idempotencyKey: 'a\r\nb' })),
    ).toMatchObject({ field: 'idempotencyKey', reason: 'header-injection' });
    expect(
      await refusal(notifier.send({ to: ['a@example.com'], subject: 'x' }, { idempotencyKey: 'k'.repeat(256) })),
    ).toMatchObject({ reason: 'too-large' });
  });

  it('normalises recipients and defaults', async () => {
    const { notifier, email } = setup();
    await notifier.send(
      { to: [' ana@example.com ', { address: 'bo@example.com', name: 'Bo' }], subject: 'x' },
      { await: 'delivered', channels: ['email'] },
    );
    expect(email.delivered[0]!.message).toMatchObject({
      to: [{ address: 'ana@example.com' }, { address: 'bo@example.com', name: 'Bo' }],
      severity: 'info',
      status: 'firing',
    });
  });
});
