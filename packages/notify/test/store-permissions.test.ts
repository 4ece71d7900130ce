import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNotifier, fileStore, memoryChannel } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'telltale-perm-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
const posix = process.platform !== 'win32';

describe.skipIf(!posix)('fileStore file permissions and symbolic links', () => {
  it('creates the directory 0700 and every file 0600 (journal, compaction, lock, damaged copy)', async () => {
    const directory = join(await tempDirectory(), 'notify');
    const notifier = createNotifier({ channels: { inbox: memoryChannel() }, store: fileStore({ directory }) });
    await notifier.send({ subject: 'Secret body', text: 'for your eyes only' }, { idempotencyKey: 'p1' });
    await notifier.close();
    expect(await mode(directory)).toBe(0o700);
    const names = await readdir(directory);
    expect(names).toEqual(expect.arrayContaining(['journal.log', 'lock.1']));
    for (const name of names) expect([name, await mode(join(directory, name))]).toEqual([name, 0o600]);

    // A damaged journal's copy, a journal written by an older version (0644), and a compaction.
    await chmod(join(directory, 'journal.log'), 0o644);
    await writeFile(join(directory, 'journal.log'), 'garbage\n', { flag: 'a' });
    const store = fileStore({ directory, compactAfter: 1 });
    await store.load();
    await store.save(record('a'));
    await store.compact();
    await store.close();
    const savedAs = store.recovery()!.damage!.savedAs!;
    for (const name of await readdir(directory))
      expect([name, await mode(join(directory, name))]).toEqual([name, 0o600]);
    expect(await mode(savedAs)).toBe(0o600);
  });

  it('refuses a symbolic link in place of journal.log, without reading or copying its target', async () => {
    const directory = await tempDirectory();
    const target = join(await tempDirectory(), 'passwd');
    await writeFile(target, 'root:x:0:0:root:/root:/bin/bash\n');
    await symlink(target, join(directory, 'journal.log'));
    const store = fileStore({ directory });
    await expect(store.load()).rejects.toMatchObject({
      code: 'TELLTALE_NOTIFY_STORE_UNSAFE',
      details: { path: join(directory, 'journal.log') },
    });
    expect((await readdir(directory)).filter((name) => name.startsWith('journal.damaged'))).toEqual([]);
    expect(await readFile(target, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
    // The failed load released its lock: once the link is gone the directory opens.
    await rm(join(directory, 'journal.log'));
    const retry = fileStore({ directory });
    await retry.load();
    await retry.close();
  });
});

function record(id: string) {
  return {
    id: `${id}:inbox`,
    messageId: id,
    channel: 'inbox',
    idempotencyKey: `key-${id}`,
    message: { to: [], subject: `Subject ${id}`, severity: 'info' as const, status: 'firing' as const },
    state: 'pending' as const,
    attempts: 0,
    enqueuedAt: 1,
    nextAttemptAt: 1,
  };
}
