import { constants } from 'node:fs';
import { mkdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { options as check, resolveLogger, systemClock, TelltaleError, type TimerHandle } from '@telltale/core';
import type { OutboxSnapshot } from '../store.js';
import { encodeEntry, type JournalEntry } from './journal-codec.js';
import {
  ACKNOWLEDGEMENT_SYNC_DELAY_MS,
  newBatch,
  type Batch,
  type Compaction,
  type FileStore,
  type FileStoreOptions,
  type FileStoreRecovery,
  type JournalFile,
  type Waiter,
} from './file-store-types.js';
import {
  openForWriting,
  openPrivate,
  PRIVATE_DIRECTORY,
  storeWriteError,
  syncDirectory,
  unwritableError,
  writeAllAt,
} from './journal-file.js';
import { recoverJournal } from './journal-recovery.js';
import { createLiveRows } from './live-rows.js';
import { acquireLock } from './store-lock.js';

export type { FileStore, FileStoreOptions, FileStoreRecovery } from './file-store-types.js';

/**
 * A durable {@link OutboxStore}: an append-only journal (`journal.log`, one
 * CRC-checked JSON line per change) in `directory`. The changes of one turn
 * of the event loop are written together, and `save`/`rememberKey` resolve
 * only once an `fdatasync` that began after their write has completed — so
 * `send` resolves only once its message is on disk — while one `fdatasync`
 * serves every batch written before it started (group commit). `remove` (a
 * delivery's acknowledgement) resolves once written: it survives the process
 * being killed, and is made durable by the next `fdatasync` (at the latest
 * after a second, or at `close()`); a power cut before that can only cause a
 * redelivery with the same idempotency key, never a lost message. The
 * journal is compacted in the background: the live rows are written and
 * fsynced aside while appends go on, then the appends made meanwhile are
 * copied over and the file renamed over the journal.
 *
 * A write that fails (a full disk) rejects with `TELLTALE_NOTIFY_STORE_WRITE`
 * and leaves no trace: the journal is truncated back to its last complete
 * record and the in-memory rows rolled back, so later writes land on a clean
 * end. If the truncation or an `fdatasync` fails, the journal's state is
 * unknown and every further write rejects with
 * `TELLTALE_NOTIFY_STORE_UNWRITABLE` until a restart. At `load()` torn,
 * corrupted or foreign bytes are skipped (decoding resynchronises at the next
 * valid record), reported through the logger and {@link FileStore.recovery},
 * and the damaged file kept aside. The directory is created `0700` and every
 * file `0600`; a symbolic link in place of a store file is refused
 * (`TELLTALE_NOTIFY_STORE_UNSAFE`). A lock (`lock.<n>`: pid, hostname, boot
 * id, start time and a per-process nonce) refuses a second process with
 * `NotifyStoreLockedError`; a lock left by a dead process — including a
 * previous container whose PID 1 had the same pid — is taken over
 * atomically. Everything not acknowledged is handed back by `load()` and
 * re-queued: at-least-once delivery, with the idempotency key (SMTP
 * `Message-ID`, `webhook-id`, ...) making duplicates recognisable.
 *
 * @example
 * ```ts
 * import { createNotifier, fileStore, smtpChannel } from '@telltale/notify';
 * const notifier = createNotifier({
 *   channels: { email: smtpChannel({ host: 'smtp.example.com', from: 'noreply@example.com' }) },
 *   store: fileStore({ directory: '/var/lib/myapp/notify', logger }),
 * });
 * ```
 */
export function fileStore(options: FileStoreOptions): FileStore {
  check.object('fileStore', options);
  const directory = check.nonEmptyString('directory', options.directory);
  const fsync = options.fsync ?? true;
  const compactAfter = check.positiveInteger('compactAfter', options.compactAfter, 10_000);
  const logger = resolveLogger(options.logger);
  const clock = options.clock ?? systemClock;
  const journalPath = join(directory, 'journal.log');
  const compactPath = join(directory, 'journal.compact');

  const live = createLiveRows(clock);
  let journal: JournalFile | undefined;
  let release: (() => Promise<void>) | undefined;
  let report: FileStoreRecovery | undefined;
  let state: 'new' | 'loading' | 'open' | 'closed' = 'new';
  /** Set when the journal may end in a partial record that could not be removed: no further writes. */
  let broken: TelltaleError | undefined;
  /** The batch collecting appends; written as one write (+ one fdatasync if any entry needs it). */
  let collecting: Batch | undefined;
  let writing: Promise<void> | undefined;
  let scheduled = false;
  /** Written but not yet fdatasynced (acknowledgements only). */
  let unsynced = false;
  /** Durable batches written and waiting for the next fdatasync. */
  let awaitingSync: Batch[] = [];
  let syncing: Promise<void> | undefined;
  let syncTimer: TimerHandle | undefined;
  let syncRequested = false;
  let compaction: Compaction | undefined;
  let compactRequested: Waiter[] = [];
  let journalEntries = 0;
  let compactions = 0;
  let writes = 0;
  let syncs = 0;

  /** Writes `text` to `journal.compact` and fsyncs it; the file stays open for appending. Removed on failure. */
  async function writeAside(text: string): Promise<JournalFile> {
    const aside = await openForWriting(compactPath);
    try {
      const data = Buffer.from(text);
      await writeAllAt(aside, data, 0);
      await aside.sync();
      return { handle: aside, size: data.length };
    } catch (error) {
      await discard(aside);
      throw error;
    }
  }

  /** Drops a `journal.compact` that will not be installed (it would hold disk space). */
  async function discard(aside: FileHandle): Promise<void> {
    await aside.close().catch(() => {});
    await unlink(compactPath).catch(() => {});
  }

  /** Renames the synced `journal.compact` over the journal and appends to it from now on. */
  async function install(aside: JournalFile, entries: number): Promise<void> {
    await rename(compactPath, journalPath);
    await syncDirectory(directory);
    await journal?.handle.close().catch(() => {});
    journal = aside;
    journalEntries = entries;
    unsynced = false;
  }

  function needsCompaction(): boolean {
    return journalEntries > compactAfter && journalEntries > 2 * (live.records + live.idempotencyKeys);
  }

  /**
   * Compaction off the append path: the snapshot is written and fsynced aside
   * while batches keep going to the old journal (and are remembered as the
   * tail); only appending the tail and the rename wait for the writer.
   */
  function startCompaction(): void {
    if (compaction || state !== 'open' || broken) return;
    const waiters = compactRequested;
    compactRequested = [];
    const { text, count } = live.snapshot();
    const job: Compaction = {
      tail: [],
      tailEntries: 0,
      count,
      waiters,
      aside: undefined,
      settled: undefined,
      stale: false,
    };
    compaction = job;
    job.settled = writeAside(text).then(
      (aside) => {
        job.aside = aside;
        kick();
      },
      (error: unknown) => finishCompaction(job, error),
    );
  }

  function finishCompaction(job: Compaction, error: unknown): void {
    compaction = undefined;
    if (error === undefined) {
      compactions++;
      logger.debug({ directory, entries: journalEntries }, 'notify file store compacted');
      for (const waiter of job.waiters) waiter.resolve();
    } else {
      logger.error({ err: error, directory }, 'notify file store compaction failed');
      for (const waiter of job.waiters) waiter.reject(error);
      // Appending to the old journal stays correct; try again after as many entries.
      journalEntries = Math.max(0, journalEntries - compactAfter);
    }
    if (compactRequested.length > 0) startCompaction();
  }

  async function switchToCompacted(job: Compaction, aside: JournalFile): Promise<void> {
    if (job.stale || broken) {
      // Taken before a write failed, the snapshot may hold rows that were rolled back: start over.
      await discard(aside.handle);
      compaction = undefined;
      compactRequested.unshift(...job.waiters);
      if (broken) for (const waiter of compactRequested.splice(0)) waiter.reject(broken);
      else startCompaction();
      return;
    }
    try {
      // Batches written to the old journal but not yet fdatasynced are in the tail: synced with it below.
      while (syncing) await syncing;
      const tail = Buffer.from(job.tail.join(''));
      await writeAllAt(aside.handle, tail, aside.size);
      aside.size += tail.length;
      await aside.handle.sync();
      await install(aside, job.count + job.tailEntries);
      const covered = awaitingSync;
      awaitingSync = [];
      for (const batch of covered) batch.resolve();
      finishCompaction(job, undefined);
    } catch (error) {
      await discard(aside.handle);
      finishCompaction(job, error);
    }
  }

  /** Writes one batch (page cache: survives the process being killed); durable batches then wait for a sync. */
  async function writeBatch(batch: Batch): Promise<void> {
    if (broken) {
      live.rollback(batch.undo, collecting?.undo);
      batch.reject(broken);
      return;
    }
    const file = journal!;
    const data = Buffer.from(batch.lines.join(''));
    try {
      await writeAllAt(file.handle, data, file.size);
    } catch (error) {
      await failBatch(batch, file, error);
      return;
    }
    file.size += data.length;
    writes++;
    journalEntries += batch.lines.length;
    if (compaction) {
      compaction.tail.push(data.toString());
      compaction.tailEntries += batch.lines.length;
    }
    if (!fsync) {
      batch.resolve();
      return;
    }
    unsynced = true;
    if (batch.durable) {
      awaitingSync.push(batch);
      startSync();
    } else {
      batch.resolve();
      scheduleSync();
    }
  }

  /**
   * A failed write (ENOSPC) may have left part of the batch on disk; records
   * appended behind that fragment would be unreadable after a restart. Cut
   * the journal back to its last complete record and forget the batch.
   */
  async function failBatch(batch: Batch, file: JournalFile, error: unknown): Promise<void> {
    live.rollback(batch.undo, collecting?.undo);
    if (compaction) compaction.stale = true;
    try {
      await file.handle.truncate(file.size);
      logger.error({ err: error, directory }, 'notify file store write failed; truncated back to the last record');
    } catch (truncateError) {
      broken ??= unwritableError(directory, truncateError, 'a failed write could not be truncated away');
      logger.error({ err: truncateError, directory }, 'notify file store could not truncate a failed write');
    }
    batch.reject(storeWriteError(directory, error));
  }

  /**
   * Group commit: one fdatasync covers every batch written before it started;
   * batches written meanwhile wait for the next one. Writes never wait for a
   * sync, so acknowledgements reach the page cache at once.
   */
  function startSync(): void {
    if (syncing || journal === undefined) return;
    if (awaitingSync.length === 0 && !(syncRequested && unsynced)) return;
    const batches = awaitingSync;
    awaitingSync = [];
    syncRequested = false;
    unsynced = false;
    syncs++;
    syncing = journal.handle.datasync().then(
      () => {
        for (const batch of batches) batch.resolve();
      },
      (error: unknown) => {
        // After a failed fdatasync the kernel may have dropped the written pages: nothing is known any more.
        broken ??= unwritableError(directory, error, 'fdatasync failed');
        logger.error({ err: error, directory }, 'notify file store fdatasync failed');
        for (const batch of [...batches, ...awaitingSync.splice(0)]) batch.reject(broken);
      },
    );
    void syncing.finally(() => {
      syncing = undefined;
      startSync();
    });
  }

  /** Acknowledgements ride on the next fdatasync; this bounds how long they wait for one. */
  function scheduleSync(): void {
    if (syncTimer !== undefined) return;
    syncTimer = clock.setTimeout(
      () => {
        syncTimer = undefined;
        syncRequested = true;
        startSync();
      },
      ACKNOWLEDGEMENT_SYNC_DELAY_MS,
      { background: true },
    );
  }

  async function drain(): Promise<void> {
    for (;;) {
      if (collecting) {
        const batch = collecting;
        collecting = undefined;
        await writeBatch(batch);
      } else if (compaction?.aside) {
        const job = compaction;
        const aside = job.aside!;
        job.aside = undefined;
        await switchToCompacted(job, aside);
      } else break;
    }
    if (compactRequested.length > 0 || (state === 'open' && needsCompaction())) startCompaction();
  }

  /** Starts the writer on the next turn of the event loop, so appends of one turn share a batch. */
  function kick(): void {
    if (writing || scheduled || state !== 'open') return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (writing || journal === undefined) return;
      writing = drain().finally(() => {
        writing = undefined;
        if (collecting || compaction?.aside) kick();
      });
    });
  }

  function append(entry: JournalEntry, durable: boolean): Promise<void> {
    if (state !== 'open') {
      return Promise.reject(
        new TelltaleError(
          'TELLTALE_NOTIFY_CLOSED',
          state === 'closed' ? 'The notify file store is closed' : 'The notify file store is not loaded yet',
        ),
      );
    }
    if (broken) return Promise.reject(broken);
    const line = encodeEntry(entry);
    collecting ??= newBatch();
    collecting.undo.push(live.apply(line, entry));
    collecting.lines.push(line);
    collecting.durable ||= durable;
    kick();
    return collecting.promise;
  }

  /** With no room to rewrite the journal at start (disk still full), appending goes on after its last complete line. */
  async function appendToExisting(appendFrom: number, entries: number, cause: unknown): Promise<void> {
    logger.error({ err: cause, directory }, 'notify file store could not rewrite its journal; appending to it');
    const handle = await openPrivate(journalPath, constants.O_RDWR | constants.O_CREAT);
    try {
      await handle.truncate(appendFrom);
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    journal = { handle, size: appendFrom };
    journalEntries = entries;
  }

  async function load(): Promise<OutboxSnapshot> {
    if (state !== 'new') throw new TelltaleError('TELLTALE_INVALID_INPUT', 'fileStore.load() may be called once');
    state = 'loading';
    await mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY });
    const lock = await acquireLock(directory).catch((error: unknown) => {
      state = 'new';
      throw error;
    });
    release = lock.release;
    try {
      await unlink(compactPath).catch(() => {});
      const recovered = await recoverJournal(directory, journalPath, clock.now(), logger);
      const { records, keys: idempotencyKeys } = recovered;
      live.seed(records.values(), idempotencyKeys.values());
      report = { records: 0, idempotencyKeys: 0, entries: recovered.entries };
      if (lock.takenOver) {
        report.lockTakenOver = { pid: lock.takenOver.pid, hostname: lock.takenOver.hostname };
        logger.warn({ directory, ...report.lockTakenOver }, 'notify file store: took over the lock of a dead process');
      }
      if (recovered.damage) report.damage = recovered.damage;
      // Start from a compact, undamaged journal.
      const { text, count } = live.snapshot();
      try {
        await install(await writeAside(text), count);
      } catch (error) {
        await appendToExisting(recovered.appendFrom, recovered.entries, error);
      }
      for (const key of idempotencyKeys.keys()) if (!live.has(key)) idempotencyKeys.delete(key);
      report.records = records.size;
      report.idempotencyKeys = idempotencyKeys.size;
      state = 'open';
      return { records: [...records.values()], idempotencyKeys: [...idempotencyKeys.values()] };
    } catch (error) {
      state = 'closed';
      await journal?.handle.close().catch(() => {});
      await lock.release();
      throw error;
    }
  }

  async function close(): Promise<void> {
    if (state === 'closed') return;
    const wasOpen = state === 'open';
    if (wasOpen) {
      // Let the running compaction finish (it was started on the live rows), then write everything out.
      while (writing || scheduled || collecting || compaction) {
        if (compaction?.settled) await compaction.settled;
        if (!writing && !scheduled && (collecting || compaction?.aside)) kick();
        await (writing ?? new Promise((resolve) => setImmediate(resolve)));
      }
      if (syncTimer !== undefined) clock.clearTimeout(syncTimer);
      // Make the acknowledgements written since the last fdatasync durable too.
      syncRequested = true;
      startSync();
      while (syncing) await syncing;
    }
    state = 'closed';
    await journal?.handle.close().catch(() => {});
    journal = undefined;
    await release?.();
  }

  return {
    directory,
    load,
    save: (row) => append({ op: 'save', record: row }, true),
    // An acknowledgement needs no fdatasync of its own: see ACKNOWLEDGEMENT_SYNC_DELAY_MS.
    remove: (id) => append({ op: 'remove', id }, false),
    rememberKey: (entry) => append({ op: 'key', entry }, true),
    close,
    recovery: () => (report === undefined ? undefined : structuredClone(report)),
    compact() {
      if (state !== 'open')
        return Promise.reject(new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The file store is not open'));
      if (broken) return Promise.reject(broken);
      return new Promise<void>((resolve, reject) => {
        compactRequested.push({ resolve, reject });
        if (!compaction) startCompaction();
      });
    },
    stats: () => ({
      journalEntries,
      records: live.records,
      idempotencyKeys: live.idempotencyKeys,
      compactions,
      writes,
      syncs,
    }),
  };
}
