import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@telltale/core';
import { fileStore, type OutboxRecord } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'telltale-store-batch-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

function record(id: string, attempts = 0): OutboxRecord {
  return {
    id,
    messageId: id.split(':')[0]!,
    channel: 'inbox',
    idempotencyKey: `key-${id}`,
    message: { to: [], subject: `Subject ${id}`, severity: 'info', status: 'firing' },
    state: 'pending',
    attempts,
    enqueuedAt: 1,
    nextAttemptAt: 1,
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('fileStore batching (group commit)', () => {
  it('writes and fdatasyncs the changes of one turn together', async () => {
    const directory = await tempDirectory();
    const store = fileStore({ directory });
    await store.load();
    await Promise.all(
      Array.from({ length: 200 }, (_, index) => [
        store.save(record(`m${index}:inbox`)),
        store.rememberKey({
          key: `k${index}`,
          messageId: `m${index}`,
          channels: ['inbox'],
          expiresAt: Date.now() + 1e6,
        }),
      ]).flat(),
    );
    expect(store.stats()).toMatchObject({ writes: 1, syncs: 1, journalEntries: 400, records: 200 });
    // Changes arriving while a batch is being written share the next write and fdatasync.
    const first = store.save(record('a:inbox'));
    await nextTurn();
    const rest = Array.from({ length: 50 }, (_, index) => store.save(record(`b${index}:inbox`)));
    await Promise.all([first, ...rest]);
    expect(store.stats().syncs).toBeLessThanOrEqual(3);
    await store.close();
    const reopened = fileStore({ directory });
    expect((await reopened.load()).records).toHaveLength(251);
    await reopened.close();
  });

  it('writes acknowledgements at once but makes them durable with the next fdatasync, a timer or close()', async () => {
    const directory = await tempDirectory();
    const clock = createManualClock({ now: 1_000 });
    const store = fileStore({ directory, clock });
    await store.load();
    await store.save(record('a:inbox'));
    await store.save(record('b:inbox'));
    expect(store.stats()).toMatchObject({ writes: 2, syncs: 2 });

    // `remove` resolves once written (the page cache survives the process being killed)...
    await store.remove('a:inbox');
    expect(store.stats()).toMatchObject({ writes: 3, syncs: 2 });
    expect(await readFile(join(directory, 'journal.log'), 'utf8')).toContain('"op":"remove","id":"a:inbox"');
    // ...and is fdatasynced by the next batch that needs it, or after a second at the latest.
    clock.advance(999);
    expect(store.stats().syncs).toBe(2);
    clock.advance(1);
    expect(store.stats().syncs).toBe(3);

    // A turn mixing an acknowledgement and a new record is one write and one fdatasync.
    await Promise.all([store.remove('b:inbox'), store.save(record('c:inbox'))]);
    expect(store.stats()).toMatchObject({ writes: 4, syncs: 4 });
    await store.remove('c:inbox');
    expect(store.stats().syncs).toBe(4);
    await store.close();
    expect(store.stats().syncs).toBe(5);
    expect(clock.pendingTimers()).toBe(0);

    const reopened = fileStore({ directory });
    expect((await reopened.load()).records).toEqual([]);
    await reopened.close();
  });

  it('never fdatasyncs with fsync: false', async () => {
    const directory = await tempDirectory();
    const store = fileStore({ directory, fsync: false });
    await store.load();
    await Promise.all([store.save(record('a:inbox')), store.remove('a:inbox'), store.save(record('b:inbox'))]);
    await store.close();
    expect(store.stats()).toMatchObject({ writes: 1, syncs: 0, records: 1 });
  });

  it('keeps appending while a compaction runs, and loses none of those appends', async () => {
    const directory = await tempDirectory();
    const store = fileStore({ directory, compactAfter: 10_000 });
    await store.load();
    const expected = new Map<string, number>();
    const save = (id: string, attempts: number) => {
      expected.set(id, attempts);
      return store.save(record(id, attempts));
    };
    const remove = (id: string) => {
      expected.delete(id);
      return store.remove(id);
    };
    await Promise.all(Array.from({ length: 2_000 }, (_, index) => save(`old${index}:inbox`, 0)));
    for (let round = 0; round < 3; round++) {
      const compacted = store.compact();
      const appends: Promise<void>[] = [];
      // Spread over several turns, so some land before the snapshot is written aside, some after.
      for (let turn = 0; turn < 20; turn++) {
        for (let index = 0; index < 25; index++) {
          const n = turn * 25 + index;
          appends.push(save(`new${round}-${n}:inbox`, round));
          if (n % 3 === 0) appends.push(remove(`old${(round * 500 + n) % 2_000}:inbox`));
          if (n % 5 === 0) appends.push(save(`old${(round * 700 + n) % 2_000}:inbox`, round + 1));
        }
        await nextTurn();
      }
      await Promise.all([...appends, compacted]);
    }
    const stats = store.stats();
    expect(stats.compactions).toBe(3);
    expect(stats.records).toBe(expected.size);
    await store.close();

    const reopened = fileStore({ directory });
    const { records } = await reopened.load();
    expect(new Map(records.map((row) => [row.id, row.attempts]))).toEqual(expected);
    await reopened.close();
  });
});
