import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createNotifier,
  fileStore,
  memoryChannel,
  NotifyDeliveryError,
  NotifyStoreLockedError,
  type OutboxRecord,
} from '@telltale/notify';
import { TelltaleConfigError } from '@telltale/core';
import { afterEach, describe, expect, it } from 'vitest';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'telltale-store-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

function record(id: string, overrides: Partial<OutboxRecord> = {}): OutboxRecord {
  return {
    id,
    messageId: id.split(':')[0]!,
    channel: 'inbox',
    idempotencyKey: `key-${id}`,
    message: { to: [], subject: `Subject ${id}`, severity: 'info', status: 'firing' },
    state: 'pending',
    attempts: 0,
    enqueuedAt: 1,
    nextAttemptAt: 1,
    ...overrides,
  };
}

function capture() {
  const entries: { level: string; args: unknown[] }[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) =>
      entries.push({ level, args });
  return { entries, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('fileStore', () => {
  it('re-queues everything not acknowledged in a new notifier, keeping idempotency keys', async () => {
    const directory = await tempDirectory();
    // In flight when the notifier closes: aborted, left pending for the next process.
    const hanging = memoryChannel({
      behavior: (_delivery, { signal }) =>
        new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
    });
    const failing = memoryChannel({
      behavior: () => {
        throw new NotifyDeliveryError('down', { classification: 'retryable', provider: 'test' });
      },
    });
    const first = createNotifier({
      channels: { inbox: hanging, other: failing },
      store: fileStore({ directory }),
      retry: { initialDelay: '1h' },
      breaker: false,
    });
    for (const index of [1, 2, 3]) {
      await first.send({ subject: `Hello ${index}` }, { idempotencyKey: `k${index}`, channels: ['inbox'] });
    }
    // A scheduled retry keeps its time across the restart.
    await first.send({ subject: 'Later' }, { idempotencyKey: 'k4', channels: ['other'] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await first.close({ timeout: 0 });

    const inbox = memoryChannel();
    const store = fileStore({ directory });
    const second = createNotifier({ channels: { inbox, other: memoryChannel() }, store, breaker: false });
    cleanups.push(() => second.close({ timeout: 0 }));
    await expect(second.flush({ timeout: '300ms' })).rejects.toMatchObject({ details: { pending: 1 } });
    expect(inbox.delivered.map((delivery) => delivery.message.subject).sort()).toEqual([
      'Hello 1',
      'Hello 2',
      'Hello 3',
    ]);
    expect(store.recovery()).toMatchObject({ records: 4, idempotencyKeys: 4 });
    expect(second.stats().other).toMatchObject({ pending: 1 });
    expect((await second.send({ subject: 'Hello 1' }, { idempotencyKey: 'k1' })).duplicate).toBe(true);
  });

  it('recovers a torn last record up to the damage and reports it', async () => {
    const directory = await tempDirectory();
    const store = fileStore({ directory });
    await store.load();
    await Promise.all([store.save(record('a:inbox')), store.save(record('b:inbox'))]);
    await store.close();
    const torn = '1234abcd {"op":"save","record":{"id":"c:in';
    await appendFile(join(directory, 'journal.log'), torn);

    const { entries, logger } = capture();
    const reopened = fileStore({ directory, logger });
    const snapshot = await reopened.load();
    expect(snapshot.records.map((row) => row.id).sort()).toEqual(['a:inbox', 'b:inbox']);
    const report = reopened.recovery()!;
    expect(report.damage).toMatchObject({ reason: 'torn-record', droppedBytes: torn.length });
    expect(await readFile(report.damage!.savedAs!, 'utf8')).toContain('"c:in');
    expect(entries.some((entry) => entry.level === 'error')).toBe(true);
    // The journal was rewritten clean: appending after the damage works and survives a reopen.
    await reopened.save(record('d:inbox'));
    await reopened.close();
    const third = fileStore({ directory });
    expect((await third.load()).records).toHaveLength(3);
    expect(third.recovery()!.damage).toBeUndefined();
    await third.close();
  });

  it('detects a corrupted (bit-flipped) last record by its checksum', async () => {
    const directory = await tempDirectory();
    const store = fileStore({ directory });
    await store.load();
    await store.save(record('a:inbox'));
    await store.save(record('b:inbox', { attempts: 2 }));
    await store.close();
    const path = join(directory, 'journal.log');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"attempts":2', '"attempts":7'));
    const reopened = fileStore({ directory });
    const snapshot = await reopened.load();
    expect(snapshot.records.map((row) => row.id)).toEqual(['a:inbox']);
    expect(reopened.recovery()!.damage?.reason).toBe('checksum-mismatch');
    await reopened.close();
  });

  it('locks the directory: a second store gets NotifyStoreLockedError; a dead owner is taken over', async () => {
    const directory = await tempDirectory();
    const store = fileStore({ directory });
    await store.load();
    const second = fileStore({ directory });
    const error: unknown = await second.load().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotifyStoreLockedError);
    expect(error).toMatchObject({ code: 'TELLTALE_NOTIFY_STORE_LOCKED', pid: process.pid });
    // A notifier on a locked directory fails its sends with the typed error.
    const notifier = createNotifier({ channels: { inbox: memoryChannel() }, store: fileStore({ directory }) });
    await expect(notifier.send({ subject: 'x' })).rejects.toBeInstanceOf(NotifyStoreLockedError);
    await notifier.close();
    await store.close();

    // A lock in the format before generations (`lock`), left by a dead process.
    for (const name of await readdir(directory)) if (name.startsWith('lock')) await rm(join(directory, name));
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const { hostname } = await import('node:os');
    await writeFile(join(directory, 'lock'), JSON.stringify({ pid: deadPid, hostname: hostname() }));
    const takeover = fileStore({ directory });
    await takeover.load();
    expect(takeover.recovery()!.lockTakenOver).toEqual({ pid: deadPid, hostname: hostname() });
    expect(JSON.parse(await readFile(join(directory, 'lock.1'), 'utf8'))).toMatchObject({ pid: process.pid });
    await takeover.close();
    expect((await readdir(directory)).filter((name) => name.startsWith('lock'))).toEqual(['lock.1']);
    expect(JSON.parse(await readFile(join(directory, 'lock.1'), 'utf8'))).toMatchObject({ released: true });

    // Another host's lock cannot be checked for liveness: refused.
    await writeFile(join(directory, 'lock.1'), JSON.stringify({ pid: 1, hostname: 'elsewhere.example' }));
    await expect(fileStore({ directory }).load()).rejects.toMatchObject({ hostname: 'elsewhere.example' });
  });

  it('compacts in the background and keeps only live rows', async () => {
    const directory = await tempDirectory();
    const store = fileStore({ directory, compactAfter: 50 });
    await store.load();
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 20 }, (_, index) => store.save(record(`m${round}-${index}:inbox`))));
      await Promise.all(Array.from({ length: 18 }, (_, index) => store.remove(`m${round}-${index}:inbox`)));
    }
    await store.compact();
    const stats = store.stats();
    expect(stats.compactions).toBeGreaterThan(1);
    expect(stats.records).toBe(20);
    expect(stats.journalEntries).toBe(20);
    await store.close();
    const reopened = fileStore({ directory });
    expect((await reopened.load()).records).toHaveLength(20);
    await reopened.close();
  });

  it('drops expired idempotency keys at compaction and validates options', async () => {
    const directory = await tempDirectory();
    let now = 1_000;
    const store = fileStore({ directory, clock: { now: () => now, setTimeout: () => 0, clearTimeout: () => {} } });
    await store.load();
    await store.rememberKey({ key: 'old', messageId: 'm1', channels: ['inbox'], expiresAt: 2_000 });
    await store.rememberKey({ key: 'new', messageId: 'm2', channels: ['inbox'], expiresAt: 9_000 });
    now = 5_000;
    await store.compact();
    expect(store.stats().idempotencyKeys).toBe(1);
    await store.close();
    await expect(store.save(record('x:inbox'))).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_CLOSED' });
    expect(() => fileStore({ directory: '' })).toThrow(TelltaleConfigError);
    expect(() => fileStore({ directory, compactAfter: 0 })).toThrow(TelltaleConfigError);
  });

  it('is what createNotifier({ directory }) uses', async () => {
    const directory = await tempDirectory();
    const first = createNotifier({ channels: { inbox: memoryChannel() }, directory });
    await first.send({ subject: 'Hi' }, { idempotencyKey: 'dir-1' });
    await first.close();
    expect(await readdir(directory)).toContain('journal.log');
    const second = createNotifier({ channels: { inbox: memoryChannel() }, directory });
    expect((await second.send({ subject: 'Hi' }, { idempotencyKey: 'dir-1' })).duplicate).toBe(true);
    await second.close();
    expect(() =>
      createNotifier({ channels: { inbox: memoryChannel() }, directory, store: fileStore({ directory }) }),
    ).toThrow(TelltaleConfigError);
  });
});
