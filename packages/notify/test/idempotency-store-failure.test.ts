import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  alertmanagerWebhookHandler,
  createNotifier,
  memoryChannel,
  memoryStore,
  type OutboxStore,
} from '@telltale/notify';
import { withAlertmanagerWebhook } from '@telltale/notify/node';
import { TelltaleError } from '@telltale/core';
import { afterEach, describe, expect, it } from 'vitest';
import { firingGroup } from './support/alert-groups.js';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A memory store whose writes fail (like a full disk) while `full` is set; `gate` holds writes until released. */
function flakyStore() {
  const inner = memoryStore();
  const control = {
    full: false,
    /** The code failed writes reject with. */
    code: 'TELLTALE_NOTIFY_STORE_WRITE' as
      'TELLTALE_NOTIFY_STORE_WRITE' | 'TELLTALE_NOTIFY_STORE_UNWRITABLE' | 'TELLTALE_NOTIFY_STORE_LOCKED',
    /** Fail this many more writes, then succeed. */
    failNext: 0,
    gate: undefined as Promise<void> | undefined,
  };
  const write = async (operation: () => Promise<void>): Promise<void> => {
    if (control.gate) await control.gate;
    const fail = control.full || control.failNext > 0;
    control.failNext = Math.max(0, control.failNext - 1);
    if (fail)
      throw new TelltaleError(control.code, 'no space left on device in /var/lib/app/outbox', {
        details: { errno: 'ENOSPC' },
      });
    await operation();
  };
  const store: OutboxStore & { records: typeof inner.records } = {
    load: () => inner.load(),
    save: (record) => write(() => inner.save(record)),
    remove: (id) => inner.remove(id),
    rememberKey: (entry) => write(() => inner.rememberKey(entry)),
    close: () => inner.close(),
    records: () => inner.records(),
  };
  return { store, control };
}

describe.each(DELIVERY_PATHS)('idempotency keys and failed store writes ($name)', (path) => {
  it('forgets the key of a send whose store write failed: the retry is accepted and delivered', async () => {
    const { store, control } = flakyStore();
    const inbox = memoryChannel();
    const notifier = createNotifier({ channels: { inbox }, ...path.options(store), breaker: false });
    cleanups.push(() => notifier.close({ timeout: '1s' }));

    control.full = true;
    await expect(notifier.send({ subject: 'Disk full' }, { idempotencyKey: 'k1' })).rejects.toMatchObject({
      code: 'TELLTALE_NOTIFY_STORE_WRITE',
    });
    // Still failing: still not a duplicate.
    await expect(notifier.send({ subject: 'Disk full' }, { idempotencyKey: 'k1' })).rejects.toMatchObject({
      code: 'TELLTALE_NOTIFY_STORE_WRITE',
    });
    control.full = false;
    const retry = await notifier.send({ subject: 'Disk full' }, { idempotencyKey: 'k1' });
    expect(retry.duplicate).toBe(false);
    await notifier.flush({ timeout: '2s' });
    expect(inbox.delivered.map((delivery) => delivery.message.subject)).toEqual(['Disk full']);
    // The retry is now the remembered one.
    expect((await notifier.send({ subject: 'Disk full' }, { idempotencyKey: 'k1' })).duplicate).toBe(true);
    // Nothing of the failed attempts is left to be delivered after a restart.
    expect(store.records()).toEqual([]);
  });

  it('makes a concurrent duplicate wait for the in-flight write: duplicate on success, accepted on failure', async () => {
    const { store, control } = flakyStore();
    const inbox = memoryChannel();
    const notifier = createNotifier({ channels: { inbox }, ...path.options(store), breaker: false });
    cleanups.push(() => notifier.close({ timeout: '1s' }));

    // Success: the second send waits and is then a duplicate of the first.
    let open = (): void => {};
    control.gate = new Promise<void>((resolve) => (open = resolve));
    const first = notifier.send({ subject: 'A' }, { idempotencyKey: 'same' });
    const second = notifier.send({ subject: 'A' }, { idempotencyKey: 'same' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    control.gate = undefined;
    open();
    const [one, two] = await Promise.all([first, second]);
    expect(one.duplicate).toBe(false);
    expect(two).toMatchObject({ duplicate: true, messageId: one.messageId });

    // Failure: the waiting send is not told "duplicate" of a message that was never accepted; it is written itself.
    control.gate = new Promise<void>((resolve) => (open = resolve));
    // The first send's two writes (key, record) fail; the waiting send's own writes succeed.
    control.failNext = 2;
    const failing = notifier.send({ subject: 'B' }, { idempotencyKey: 'other' });
    const waiting = notifier.send({ subject: 'B' }, { idempotencyKey: 'other' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    control.gate = undefined;
    open();
    await expect(failing).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_STORE_WRITE' });
    const accepted = await waiting;
    expect(accepted.duplicate).toBe(false);
    await notifier.flush({ timeout: '2s' });
    expect(inbox.delivered.map((delivery) => delivery.message.subject).sort()).toEqual(['A', 'B']);
  });

  it.each(['TELLTALE_NOTIFY_STORE_WRITE', 'TELLTALE_NOTIFY_STORE_UNWRITABLE', 'TELLTALE_NOTIFY_STORE_LOCKED'] as const)(
    'Alertmanager: %s answers 503 with Retry-After, its retry 200 accepted, and the group is delivered',
    async (code) => {
      const { store, control } = flakyStore();
      control.code = code;
      const inbox = memoryChannel();
      const notifier = createNotifier({ channels: { inbox }, ...path.options(store), breaker: false });
      cleanups.push(() => notifier.close({ timeout: '1s' }));
      const server = createServer(
        withAlertmanagerWebhook(
          alertmanagerWebhookHandler(notifier, { allowUnauthenticated: true, retryAfter: '45s' }),
        ),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alertmanager`;
      const post = () =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(firingGroup()),
        });

      control.full = true;
      const refused = await post();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('45');
      const body = await refused.text();
      expect(JSON.parse(body)).toMatchObject({ error: { code: 'store-unavailable' } });
      // The store's own message (paths, errnos) stays in the logs.
      expect(body).not.toMatch(/outbox|no space/);
      control.full = false;
      const retry = await post();
      expect(retry.status).toBe(200);
      expect(await retry.json()).toMatchObject({ status: 'accepted' });
      await notifier.flush({ timeout: '2s' });
      expect(inbox.delivered).toHaveLength(1);
      expect(await (await post()).json()).toMatchObject({ status: 'duplicate' });
    },
  );
});
