import type { FileHandle } from 'node:fs/promises';
import { rename, unlink } from 'node:fs/promises';
import type { Compaction, JournalFile, JournalState } from './file-store-types.js';
import { openForWriting, syncDirectory, writeAllAt } from './journal-file.js';
import { kick } from './journal-writer.js';

// Background compaction of the file store's journal: the live rows are written and fsynced
// aside while appends go on, then the appends made meanwhile are copied over and the file
// renamed over the journal.

/** Writes `text` to `journal.compact` and fsyncs it; the file stays open for appending. Removed on failure. */
export async function writeAside(j: JournalState, text: string): Promise<JournalFile> {
  const aside = await openForWriting(j.compactPath);
  try {
    const data = Buffer.from(text);
    await writeAllAt(aside, data, 0);
    await aside.sync();
    return { handle: aside, size: data.length };
  } catch (error) {
    await discard(j, aside);
    throw error;
  }
}

/** Drops a `journal.compact` that will not be installed (it would hold disk space). */
export async function discard(j: JournalState, aside: FileHandle): Promise<void> {
  await aside.close().catch(() => {});
  await unlink(j.compactPath).catch(() => {});
}

/** Renames the synced `journal.compact` over the journal and appends to it from now on. */
export async function install(j: JournalState, aside: JournalFile, entries: number): Promise<void> {
  await rename(j.compactPath, j.journalPath);
  await syncDirectory(j.directory);
  await j.journal?.handle.close().catch(() => {});
  j.journal = aside;
  j.journalEntries = entries;
  j.unsynced = false;
}

export function needsCompaction(j: JournalState): boolean {
  return j.journalEntries > j.compactAfter && j.journalEntries > 2 * (j.live.records + j.live.idempotencyKeys);
}

/**
 * Compaction off the append path: the snapshot is written and fsynced aside
 * while batches keep going to the old journal (and are remembered as the
 * tail); only appending the tail and the rename wait for the writer.
 */
export function startCompaction(j: JournalState): void {
  if (j.compaction || j.state !== 'open' || j.broken) return;
  const waiters = j.compactRequested;
  j.compactRequested = [];
  const { text, count } = j.live.snapshot();
  const job: Compaction = {
    tail: [],
    tailEntries: 0,
    count,
    waiters,
    aside: undefined,
    settled: undefined,
    stale: false,
  };
  j.compaction = job;
  job.settled = writeAside(j, text).then(
    (aside) => {
      job.aside = aside;
      kick(j);
    },
    (error: unknown) => finishCompaction(j, job, error),
  );
}

export function finishCompaction(j: JournalState, job: Compaction, error: unknown): void {
  j.compaction = undefined;
  if (error === undefined) {
    j.compactions++;
    j.logger.debug({ directory: j.directory, entries: j.journalEntries }, 'notify file store compacted');
    for (const waiter of job.waiters) waiter.resolve();
  } else {
    j.logger.error({ err: error, directory: j.directory }, 'notify file store compaction failed');
    for (const waiter of job.waiters) waiter.reject(error);
    // Appending to the old journal stays correct; try again after as many entries.
    j.journalEntries = Math.max(0, j.journalEntries - j.compactAfter);
  }
  if (j.compactRequested.length > 0) startCompaction(j);
}

export async function switchToCompacted(j: JournalState, job: Compaction, aside: JournalFile): Promise<void> {
  if (job.stale || j.broken) {
    // Taken before a write failed, the snapshot may hold rows that were rolled back: start over.
    await discard(j, aside.handle);
    j.compaction = undefined;
    j.compactRequested.unshift(...job.waiters);
    if (j.broken) for (const waiter of j.compactRequested.splice(0)) waiter.reject(j.broken);
    else startCompaction(j);
    return;
  }
  try {
    // Batches written to the old journal but not yet fdatasynced are in the tail: synced with it below.
    while (j.syncing) await j.syncing;
    const tail = Buffer.from(job.tail.join(''));
    await writeAllAt(aside.handle, tail, aside.size);
    aside.size += tail.length;
    await aside.handle.sync();
    await install(j, aside, job.count + job.tailEntries);
    const covered = j.awaitingSync;
    j.awaitingSync = [];
    for (const batch of covered) batch.resolve();
    finishCompaction(j, job, undefined);
  } catch (error) {
    await discard(j, aside.handle);
    finishCompaction(j, job, error);
  }
}
