import { TelltaleError } from '@telltale/core';
import {
  ACKNOWLEDGEMENT_SYNC_DELAY_MS,
  newBatch,
  type Batch,
  type JournalFile,
  type JournalState,
} from './file-store-types.js';
import { encodeEntry, type JournalEntry } from './journal-codec.js';
import { needsCompaction, startCompaction, switchToCompacted } from './journal-compaction.js';
import { storeWriteError, unwritableError, writeAllAt } from './journal-file.js';

// The file store's append path: the appends of one turn of the event loop are one batch, one
// write and at most one fdatasync (group commit).

/** Writes one batch (page cache: survives the process being killed); durable batches then wait for a sync. */
export async function writeBatch(j: JournalState, batch: Batch): Promise<void> {
  if (j.broken) {
    j.live.rollback(batch.undo, j.collecting?.undo);
    batch.reject(j.broken);
    return;
  }
  const file = j.journal!;
  const data = Buffer.from(batch.lines.join(''));
  try {
    await writeAllAt(file.handle, data, file.size);
  } catch (error) {
    await failBatch(j, batch, file, error);
    return;
  }
  file.size += data.length;
  j.writes++;
  j.journalEntries += batch.lines.length;
  if (j.compaction) {
    j.compaction.tail.push(data.toString());
    j.compaction.tailEntries += batch.lines.length;
  }
  if (!j.fsync) {
    batch.resolve();
    return;
  }
  j.unsynced = true;
  if (batch.durable) {
    j.awaitingSync.push(batch);
    startSync(j);
  } else {
    batch.resolve();
    scheduleSync(j);
  }
}

/**
 * A failed write (ENOSPC) may have left part of the batch on disk; records
 * appended behind that fragment would be unreadable after a restart. Cut
 * the journal back to its last complete record and forget the batch.
 */
export async function failBatch(j: JournalState, batch: Batch, file: JournalFile, error: unknown): Promise<void> {
  j.live.rollback(batch.undo, j.collecting?.undo);
  if (j.compaction) j.compaction.stale = true;
  try {
    await file.handle.truncate(file.size);
    j.logger.error(
      { err: error, directory: j.directory },
      'notify file store write failed; truncated back to the last record',
    );
  } catch (truncateError) {
    j.broken ??= unwritableError(j.directory, truncateError, 'a failed write could not be truncated away');
    j.logger.error(
      { err: truncateError, directory: j.directory },
      'notify file store could not truncate a failed write',
    );
  }
  batch.reject(storeWriteError(j.directory, error));
}

/**
 * Group commit: one fdatasync covers every batch written before it started;
 * batches written meanwhile wait for the next one. Writes never wait for a
 * sync, so acknowledgements reach the page cache at once.
 */
export function startSync(j: JournalState): void {
  if (j.syncing || j.journal === undefined) return;
  if (j.awaitingSync.length === 0 && !(j.syncRequested && j.unsynced)) return;
  const batches = j.awaitingSync;
  j.awaitingSync = [];
  j.syncRequested = false;
  j.unsynced = false;
  j.syncs++;
  j.syncing = j.journal.handle.datasync().then(
    () => {
      for (const batch of batches) batch.resolve();
    },
    (error: unknown) => {
      // After a failed fdatasync the kernel may have dropped the written pages: nothing is known any more.
      j.broken ??= unwritableError(j.directory, error, 'fdatasync failed');
      j.logger.error({ err: error, directory: j.directory }, 'notify file store fdatasync failed');
      for (const batch of [...batches, ...j.awaitingSync.splice(0)]) batch.reject(j.broken);
    },
  );
  void j.syncing.finally(() => {
    j.syncing = undefined;
    startSync(j);
  });
}

/** Acknowledgements ride on the next fdatasync; this bounds how long they wait for one. */
export function scheduleSync(j: JournalState): void {
  if (j.syncTimer !== undefined) return;
  j.syncTimer = j.clock.setTimeout(
    () => {
      j.syncTimer = undefined;
      j.syncRequested = true;
      startSync(j);
    },
    ACKNOWLEDGEMENT_SYNC_DELAY_MS,
    { background: true },
  );
}

export async function drain(j: JournalState): Promise<void> {
  for (;;) {
    if (j.collecting) {
      const batch = j.collecting;
      j.collecting = undefined;
      await writeBatch(j, batch);
    } else if (j.compaction?.aside) {
      const job = j.compaction;
      const aside = job.aside!;
      job.aside = undefined;
      await switchToCompacted(j, job, aside);
    } else break;
  }
  if (j.compactRequested.length > 0 || (j.state === 'open' && needsCompaction(j))) startCompaction(j);
}

/** Starts the writer on the next turn of the event loop, so appends of one turn share a batch. */
export function kick(j: JournalState): void {
  if (j.writing || j.scheduled || j.state !== 'open') return;
  j.scheduled = true;
  setImmediate(() => {
    j.scheduled = false;
    if (j.writing || j.journal === undefined) return;
    j.writing = drain(j).finally(() => {
      j.writing = undefined;
      if (j.collecting || j.compaction?.aside) kick(j);
    });
  });
}

export function append(j: JournalState, entry: JournalEntry, durable: boolean): Promise<void> {
  if (j.state !== 'open') {
    return Promise.reject(
      new TelltaleError(
        'TELLTALE_NOTIFY_CLOSED',
        j.state === 'closed' ? 'The notify file store is closed' : 'The notify file store is not loaded yet',
      ),
    );
  }
  if (j.broken) return Promise.reject(j.broken);
  const line = encodeEntry(entry);
  j.collecting ??= newBatch();
  j.collecting.undo.push(j.live.apply(line, entry));
  j.collecting.lines.push(line);
  j.collecting.durable ||= durable;
  kick(j);
  return j.collecting.promise;
}
