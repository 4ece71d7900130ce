import { constants } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { options as check, resolveLogger, systemClock, TelltaleError } from '@telltale/core';
import type { OutboxSnapshot } from '../store.js';
import type { FileStore, FileStoreOptions, FileStoreRecovery, JournalState } from './file-store-types.js';
import { install, startCompaction, writeAside } from './journal-compaction.js';
import { openPrivate, PRIVATE_DIRECTORY } from './journal-file.js';
import { recoverJournal } from './journal-recovery.js';
import { append, kick, startSync } from './journal-writer.js';
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
  const clock = options.clock ?? systemClock;
  const j: JournalState = {
    directory,
    journalPath: join(directory, 'journal.log'),
    compactPath: join(directory, 'journal.compact'),
    fsync: options.fsync ?? true,
    compactAfter: check.positiveInteger('compactAfter', options.compactAfter, 10_000),
    logger: resolveLogger(options.logger),
    clock,
    live: createLiveRows(clock),
    journal: undefined,
    state: 'new',
    broken: undefined,
    collecting: undefined,
    writing: undefined,
    scheduled: false,
    unsynced: false,
    awaitingSync: [],
    syncing: undefined,
    syncTimer: undefined,
    syncRequested: false,
    compaction: undefined,
    compactRequested: [],
    journalEntries: 0,
    compactions: 0,
    writes: 0,
    syncs: 0,
  };
  let release: (() => Promise<void>) | undefined;
  let report: FileStoreRecovery | undefined;

  /** With no room to rewrite the journal at start (disk still full), appending goes on after its last complete line. */
  async function appendToExisting(appendFrom: number, entries: number, cause: unknown): Promise<void> {
    j.logger.error(
      { err: cause, directory: j.directory },
      'notify file store could not rewrite its journal; appending to it',
    );
    const handle = await openPrivate(j.journalPath, constants.O_RDWR | constants.O_CREAT);
    try {
      await handle.truncate(appendFrom);
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    j.journal = { handle, size: appendFrom };
    j.journalEntries = entries;
  }

  async function load(): Promise<OutboxSnapshot> {
    if (j.state !== 'new') throw new TelltaleError('TELLTALE_INVALID_INPUT', 'fileStore.load() may be called once');
    j.state = 'loading';
    await mkdir(j.directory, { recursive: true, mode: PRIVATE_DIRECTORY });
    const lock = await acquireLock(j.directory).catch((error: unknown) => {
      j.state = 'new';
      throw error;
    });
    release = lock.release;
    try {
      await unlink(j.compactPath).catch(() => {});
      const recovered = await recoverJournal(j.directory, j.journalPath, j.clock.now(), j.logger);
      const { records, keys: idempotencyKeys } = recovered;
      j.live.seed(records.values(), idempotencyKeys.values());
      report = { records: 0, idempotencyKeys: 0, entries: recovered.entries };
      if (lock.takenOver) {
        report.lockTakenOver = { pid: lock.takenOver.pid, hostname: lock.takenOver.hostname };
        j.logger.warn(
          { directory: j.directory, ...report.lockTakenOver },
          'notify file store: took over the lock of a dead process',
        );
      }
      if (recovered.damage) report.damage = recovered.damage;
      // Start from a compact, undamaged journal.
      const { text, count } = j.live.snapshot();
      try {
        await install(j, await writeAside(j, text), count);
      } catch (error) {
        await appendToExisting(recovered.appendFrom, recovered.entries, error);
      }
      for (const key of idempotencyKeys.keys()) if (!j.live.has(key)) idempotencyKeys.delete(key);
      report.records = records.size;
      report.idempotencyKeys = idempotencyKeys.size;
      j.state = 'open';
      return { records: [...records.values()], idempotencyKeys: [...idempotencyKeys.values()] };
    } catch (error) {
      j.state = 'closed';
      await j.journal?.handle.close().catch(() => {});
      await lock.release();
      throw error;
    }
  }

  async function close(): Promise<void> {
    if (j.state === 'closed') return;
    const wasOpen = j.state === 'open';
    if (wasOpen) {
      // Let the running compaction finish (it was started on the live rows), then write everything out.
      while (j.writing || j.scheduled || j.collecting || j.compaction) {
        if (j.compaction?.settled) await j.compaction.settled;
        if (!j.writing && !j.scheduled && (j.collecting || j.compaction?.aside)) kick(j);
        await (j.writing ?? new Promise((resolve) => setImmediate(resolve)));
      }
      if (j.syncTimer !== undefined) j.clock.clearTimeout(j.syncTimer);
      // Make the acknowledgements written since the last fdatasync durable too.
      j.syncRequested = true;
      startSync(j);
      while (j.syncing) await j.syncing;
    }
    j.state = 'closed';
    await j.journal?.handle.close().catch(() => {});
    j.journal = undefined;
    await release?.();
  }

  return {
    directory,
    load,
    save: (row) => append(j, { op: 'save', record: row }, true),
    // An acknowledgement needs no fdatasync of its own: see ACKNOWLEDGEMENT_SYNC_DELAY_MS.
    remove: (id) => append(j, { op: 'remove', id }, false),
    rememberKey: (entry) => append(j, { op: 'key', entry }, true),
    close,
    recovery: () => (report === undefined ? undefined : structuredClone(report)),
    compact() {
      if (j.state !== 'open')
        return Promise.reject(new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The file store is not open'));
      if (j.broken) return Promise.reject(j.broken);
      return new Promise<void>((resolve, reject) => {
        j.compactRequested.push({ resolve, reject });
        if (!j.compaction) startCompaction(j);
      });
    },
    stats: () => ({
      journalEntries: j.journalEntries,
      records: j.live.records,
      idempotencyKeys: j.live.idempotencyKeys,
      compactions: j.compactions,
      writes: j.writes,
      syncs: j.syncs,
    }),
  };
}
