import { spawnSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNotifier, fileStore, memoryChannel, type OutboxRecord } from '@telltale/notify';
import { afterEach, describe, expect, it, vi } from 'vitest';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'telltale-disk-full-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

/** A 64 KiB tmpfs, or the reason it cannot be mounted here (not root, no tmpfs). */
async function smallTmpfs(): Promise<{ directory: string } | { skip: string }> {
  const mountPoint = await tempDirectory();
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mountPoint], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0)
    return { skip: `cannot mount a tmpfs: ${(mounted.stderr || mounted.error?.message) ?? ''}` };
  cleanups.push(() => Promise.resolve(void spawnSync('umount', ['-l', mountPoint])));
  return { directory: join(mountPoint, 'notify') };
}

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });

/**
 * Fails journal writes as a full disk does while `full` is set: a write larger
 * than 10 kB gets half of it onto the disk first (a torn record), smaller ones
 * fail outright. Patches `FileHandle.prototype.write`, since the store takes no `fs`.
 */
async function injectFullDisk(directory: string) {
  const probe = await open(join(directory, '..', `probe-${process.pid}`), 'w');
  const prototype = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
  await probe.close();
  await rm(join(directory, '..', `probe-${process.pid}`));
  const original = prototype.write;
  const state = { full: false, torn: 0 };
  vi.spyOn(prototype, 'write').mockImplementation(async function (this: unknown, ...args: unknown[]) {
    if (!state.full) return original.apply(this, args);
    const [data, offset, length, position] = args as [Buffer | string, number?, number?, number?];
    const size = typeof data === 'string' ? Buffer.byteLength(data) : (length ?? data.length);
    if (size > 10_000) {
      state.torn++;
      if (typeof data === 'string') await original.call(this, data.slice(0, data.length >> 1));
      else await original.call(this, data, offset ?? 0, size >> 1, position);
    }
    throw enospc();
  });
  return {
    state,
    fill: () => void (state.full = true),
    free: () => void (state.full = false),
  };
}

/** Fills the file system of `directory` with a filler file until ENOSPC; returns how to free it. */
async function fillDisk(directory: string): Promise<() => Promise<void>> {
  const path = join(directory, 'filler');
  const filler = await open(path, 'w');
  const page = Buffer.alloc(4096, 1);
  try {
    for (;;) await filler.write(page);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await filler.close();
  }
  return () => rm(path);
}

const hanging = () =>
  memoryChannel({
    behavior: (_delivery, { signal }) =>
      new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
  });

/**
 * The acceptance story: messages acknowledged before the disk fills, a send
 * that fails on it, space freed, its retry and more messages acknowledged,
 * a restart: every acknowledged message is delivered.
 */
async function diskFullEpisode(
  directory: string,
  disk: { fill(): Promise<void> | void; free(): Promise<void> | void },
) {
  const first = createNotifier({ channels: { inbox: hanging() }, store: fileStore({ directory }), breaker: false });
  const acknowledged: string[] = [];
  for (const index of [1, 2, 3, 4, 5]) {
    await first.send({ subject: `before ${index}` }, { idempotencyKey: `before-${index}` });
    acknowledged.push(`before ${index}`);
  }
  await disk.fill();
  const large = { subject: 'during', text: 'x'.repeat(16_000) };
  await expect(first.send(large, { idempotencyKey: 'during' })).rejects.toMatchObject({
    code: 'TELLTALE_NOTIFY_STORE_WRITE',
    details: { errno: 'ENOSPC' },
  });
  // A small record may still fit in the last page on a real disk: whatever is acknowledged must arrive.
  await first.send({ subject: 'small during' }, { idempotencyKey: 'small' }).then(
    () => acknowledged.push('small during'),
    (error: unknown) => expect(error).toMatchObject({ code: 'TELLTALE_NOTIFY_STORE_WRITE' }),
  );
  await disk.free();
  // The retries are accepted, not "duplicate"s of what was never queued.
  expect((await first.send(large, { idempotencyKey: 'during' })).duplicate).toBe(false);
  acknowledged.push('during');
  for (const index of [1, 2, 3, 4, 5]) {
    await first.send({ subject: `after ${index}` }, { idempotencyKey: `after-${index}` });
    acknowledged.push(`after ${index}`);
  }
  await first.close({ timeout: 0 });

  const inbox = memoryChannel();
  const store = fileStore({ directory });
  const second = createNotifier({ channels: { inbox }, store, breaker: false });
  await second.flush({ timeout: '5s' });
  const delivered = inbox.delivered.map((delivery) => delivery.message.subject);
  await second.close();
  expect(delivered.sort()).toEqual(acknowledged.sort());
  expect(store.recovery()).toMatchObject({ records: acknowledged.length });
  // The failed write was truncated away: nothing to resynchronise over.
  expect(store.recovery()!.damage).toBeUndefined();
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

describe('fileStore on a full disk', () => {
  it('real 64 KiB tmpfs: loses no message acknowledged before or after the disk filled', async (context) => {
    const tmpfs = await smallTmpfs();
    if ('skip' in tmpfs) return context.skip(tmpfs.skip);
    let free: () => Promise<void> = () => Promise.resolve();
    await diskFullEpisode(tmpfs.directory, {
      fill: async () => void (free = await fillDisk(tmpfs.directory)),
      free: () => free(),
    });
  });

  it('injected ENOSPC with a torn write: truncated back, later acknowledged messages survive a restart', async () => {
    const directory = join(await tempDirectory(), 'notify');
    const disk = await injectFullDisk(directory);
    await diskFullEpisode(directory, disk);
    expect(disk.state.torn).toBeGreaterThan(0);
  });

  it('refuses further writes with TELLTALE_NOTIFY_STORE_UNWRITABLE when the torn write cannot be truncated', async () => {
    const directory = join(await tempDirectory(), 'notify');
    const disk = await injectFullDisk(directory);
    const store = fileStore({ directory });
    await store.load();
    await store.save(record('a:inbox'));
    const probe = await open(join(directory, 'journal.log'), 'r');
    const prototype = Object.getPrototypeOf(probe) as { truncate: () => Promise<void> };
    await probe.close();
    vi.spyOn(prototype, 'truncate').mockRejectedValue(Object.assign(new Error('EIO'), { code: 'EIO' }));
    disk.fill();
    await expect(
      store.save(record('b:inbox', { message: { ...record('b').message, text: 'x'.repeat(16_000) } })),
    ).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_STORE_WRITE' });
    disk.free();
    vi.mocked(prototype.truncate).mockRestore();
    // Appending behind the fragment would hide the next records from a restart: refused instead.
    await expect(store.save(record('c:inbox'))).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_STORE_UNWRITABLE' });
    await expect(store.remove('a:inbox')).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_STORE_UNWRITABLE' });
    await store.close();
    const reopened = fileStore({ directory });
    expect((await reopened.load()).records.map((row) => row.id)).toEqual(['a:inbox']);
    await reopened.close();
  });

  it('rolls back the in-memory rows of a failed write, so a compaction cannot resurrect them', async () => {
    const directory = join(await tempDirectory(), 'notify');
    const disk = await injectFullDisk(directory);
    const store = fileStore({ directory });
    await store.load();
    await store.save(record('a:inbox'));
    disk.fill();
    await expect(store.save(record('b:inbox'))).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_STORE_WRITE' });
    disk.free();
    expect(store.stats().records).toBe(1);
    await store.compact();
    await store.close();
    const reopened = fileStore({ directory });
    expect((await reopened.load()).records.map((row) => row.id)).toEqual(['a:inbox']);
    await reopened.close();
  });
  it('starts on a disk with no room to rewrite the journal by appending to it as it is', async () => {
    const directory = join(await tempDirectory(), 'notify');
    const disk = await injectFullDisk(directory);
    const first = fileStore({ directory });
    await first.load();
    await first.save(record('a:inbox', { message: { ...record('a').message, text: 'x'.repeat(12_000) } }));
    await first.close();
    // A torn tail from a crash, then a restart while the journal cannot be copied aside.
    await writeFile(join(directory, 'journal.log'), '1234abcd {"op":"save","rec', { flag: 'a' });
    disk.fill();
    const errors: unknown[][] = [];
    const second = fileStore({ directory, logger: { error: (...args: unknown[]) => void errors.push(args) } });
    expect((await second.load()).records.map((row) => row.id)).toEqual(['a:inbox']);
    expect(errors.map((args) => args[1])).toContain('notify file store could not rewrite its journal; appending to it');
    disk.free();
    await second.save(record('b:inbox'));
    await second.close();
    const third = fileStore({ directory });
    expect((await third.load()).records.map((row) => row.id).sort()).toEqual(['a:inbox', 'b:inbox']);
    // The torn tail was cut before appending, so b was not glued to it.
    expect(third.recovery()!.damage).toBeUndefined();
    await third.close();
  });
});

describe('fileStore journal decoding', () => {
  it('resynchronises at the next valid line after a fragment or garbage, keeping every later record', async () => {
    const directory = await tempDirectory();
    const store = fileStore({ directory });
    await store.load();
    for (const id of ['a', 'b', 'c', 'd']) await store.save(record(`${id}:inbox`));
    await store.close();
    const path = join(directory, 'journal.log');
    const lines = (await readFile(path, 'utf8')).split(/(?<=\n)/);
    expect(lines).toHaveLength(4);
    // A torn fragment with no newline runs into the next record; a garbage line; a flipped record.
    const fragment = '1234abcd {"op":"save","record":{"id":"torn:in';
    const garbage = 'not a journal line\n';
    const flipped = lines[2]!.replace('Subject c', 'Subject C');
    const text = lines[0]! + fragment + lines[1]! + garbage + flipped + lines[3]!;
    await writeFile(path, text);

    const reopened = fileStore({ directory });
    const snapshot = await reopened.load();
    expect(snapshot.records.map((row) => row.id).sort()).toEqual(['a:inbox', 'b:inbox', 'd:inbox']);
    const damage = reopened.recovery()!.damage!;
    expect(damage).toMatchObject({
      offset: Buffer.byteLength(lines[0]!),
      reason: 'checksum-mismatch',
      droppedBytes: Buffer.byteLength(fragment + garbage + flipped),
      regions: 2,
    });
    expect((await stat(damage.savedAs!)).size).toBe(Buffer.byteLength(text));
    await reopened.close();
  });
});
