import { createManualClock } from '@telltale/core';
import { createNotifier, memoryChannel, type Notifier, type NotifierOptions } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';

const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const notifier of notifiers.splice(0)) await notifier.close({ timeout: 0 });
});

function start(options: Partial<NotifierOptions>, inbox = memoryChannel()): Notifier {
  const notifier = createNotifier({ channels: { inbox }, breaker: false, ...options });
  notifiers.push(notifier);
  return notifier;
}

/** Sends one key at 0 and again at `later` ms: whether the second send was a duplicate. */
async function duplicateAfter(options: Partial<NotifierOptions>, later: number): Promise<boolean> {
  const clock = createManualClock({ now: 0 });
  const notifier = start({ clock, ...options });
  await notifier.send({ subject: 'a' }, { idempotencyKey: 'invoice-1' });
  await clock.advanceAsync(later);
  return (await notifier.send({ subject: 'a' }, { idempotencyKey: 'invoice-1' })).duplicate;
}

describe('createNotifier renamed options', () => {
  it('idempotencyTtl bounds how long a key is remembered', async () => {
    await expect(duplicateAfter({ idempotencyTtl: '10m' }, 599_999)).resolves.toBe(true);
    await expect(duplicateAfter({ idempotencyTtl: '10m' }, 600_000)).resolves.toBe(false);
  });

  it('still accepts the deprecated dedupWindow with the same meaning', async () => {
    await expect(duplicateAfter({ dedupWindow: '10m' }, 599_999)).resolves.toBe(true);
    await expect(duplicateAfter({ dedupWindow: '10m' }, 600_000)).resolves.toBe(false);
  });

  it('maxQueued and the deprecated maxQueueSize both bound the waiting deliveries', async () => {
    for (const limit of [{ maxQueued: 2 }, { maxQueueSize: 2 }]) {
      const notifier = start(limit, memoryChannel({ behavior: () => new Promise(() => {}) }));
      await notifier.send({ subject: '1' });
      await notifier.send({ subject: '2' });
      await expect(notifier.send({ subject: '3' })).rejects.toMatchObject({
        code: 'TELLTALE_NOTIFY_QUEUE_FULL',
        details: { maxQueued: 2 },
      });
    }
  });

  it('refuses both names at once, and names the one used in validation errors', () => {
    expect(() => start({ idempotencyTtl: '1h', dedupWindow: '2h' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'dedupWindow' }),
    );
    expect(() => start({ maxQueued: 5, maxQueueSize: 6 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'maxQueueSize' }),
    );
    expect(() => start({ dedupWindow: 'soon' })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'dedupWindow' }),
    );
    expect(() => start({ maxQueued: 0 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'maxQueued' }),
    );
  });
});
