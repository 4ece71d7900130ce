import { copyFile, mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { options as check, resolveLogger, systemClock, TelltaleError, type Clock, type Logger } from '@telltale/core';
import type { IdempotencyEntry, OutboxRecord, OutboxSnapshot, OutboxStore } from '../store.js';
import { decodeJournal, encodeEntry, type JournalDamage, type JournalEntry } from './journal-codec.js';
import { acquireLock } from './store-lock.js';

/**
 * Options of {@link fileStore}.
 *
 * @example
 * ```ts
 * const options: FileStoreOptions = { directory: '/var/lib/myapp/notify', compactAfter: 50_000 };
 * ```
 */
export interface FileStoreOptions {
  /** Directory of the journal and lock file; created if missing. One process per directory. */
  directory: string;
  /** `fdatasync` every batch before `save`/`remove` resolve; default true. Turn off only for tests. */
  fsync?: boolean;
  /** Compact once the journal holds this many entries more than live rows (default 10000). */
  compactAfter?: number;
  /** Pino-compatible logger; silent by default. */
  logger?: Partial<Logger>;
  /** Clock used to drop expired idempotency keys at compaction. */
  clock?: Clock;
}

/**
 * What `load()` found.
 *
 * @example
 * ```ts
 * const report = store.recovery();
 * if (report?.damage) alert(`journal damaged at byte ${report.damage.offset}`);
 * ```
 */
export interface FileStoreRecovery {
  /** Pending and dead-lettered records handed back. */
  records: number;
  /** Unexpired idempotency keys handed back. */
  idempotencyKeys: number;
  /** Journal entries replayed. */
  entries: number;
  /** A torn or corrupted tail: recovered up to `offset`; the damaged journal was copied to `savedAs`. */
  damage?: JournalDamage & { savedAs: string };
  /** The stale lock of a dead process that was taken over. */
  lockTakenOver?: { pid: number; hostname: string };
}

/**
 * The durable store. See {@link fileStore}.
 *
 * @example
 * ```ts
 * const store: FileStore = fileStore({ directory: './var/notify' });
 * ```
 */
export interface FileStore extends OutboxStore {
  readonly directory: string;
  /** The recovery report of `load()`, `undefined` before it. */
  recovery(): FileStoreRecovery | undefined;
  /** Rewrites the journal to the live rows now (it also happens in the background). */
  compact(): Promise<void>;
  /** Journal size and rows, for monitoring. */
  stats(): { journalEntries: number; records: number; idempotencyKeys: number; compactions: number };
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A durable {@link OutboxStore}: an append-only journal (`journal.log`, one
 * CRC-checked JSON line per change) in `directory`. Changes are batched and
 * `fdatasync`ed before `save`/`remove`/`rememberKey` resolve — so `send`
 * resolves only once its message is on disk — and the journal is compacted
 * in the background (written aside, fsynced, renamed). At `load()` a torn or
 * corrupted tail is recovered up to the damage, reported through the logger
 * and {@link FileStore.recovery}, and the damaged file kept aside. A lock file
 * (`lock`, pid and hostname) refuses a second process with
 * `NotifyStoreLockedError`; a lock left by a dead process is taken over.
 * Everything not acknowledged is handed back by `load()` and re-queued:
 * at-least-once delivery, with the idempotency key (SMTP `Message-ID`,
 * `webhook-id`, ...) making duplicates recognisable.
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

  const records = new Map<string, OutboxRecord>();
  const keys = new Map<string, IdempotencyEntry>();
  let handle: FileHandle | undefined;
  let release: (() => Promise<void>) | undefined;
  let report: FileStoreRecovery | undefined;
  let state: 'new' | 'loading' | 'open' | 'closed' = 'new';
  let pending: string[] = [];
  let waiters: Waiter[] = [];
  let writing: Promise<void> | undefined;
  let journalEntries = 0;
  let compactions = 0;
  let compactRequested: Waiter[] | undefined;

  function apply(entry: JournalEntry): void {
    if (entry.op === 'save') records.set(entry.record.id, entry.record);
    else if (entry.op === 'remove') records.delete(entry.id);
    else keys.set(entry.entry.key, entry.entry);
  }

  function snapshotText(): { text: string; count: number } {
    const now = clock.now();
    const lines: string[] = [];
    for (const [key, entry] of keys) {
      if (entry.expiresAt <= now) keys.delete(key);
      else lines.push(encodeEntry({ op: 'key', entry }));
    }
    for (const record of records.values()) lines.push(encodeEntry({ op: 'save', record }));
    return { text: lines.join(''), count: lines.length };
  }

  async function syncDirectory(): Promise<void> {
    const directoryHandle = await open(directory, 'r').catch(() => undefined);
    await directoryHandle?.sync().catch(() => {});
    await directoryHandle?.close();
  }

  /** Writes the live rows aside, fsyncs, renames over the journal and reopens it for appending. */
  async function rewrite(): Promise<void> {
    const { text, count } = snapshotText();
    const aside = await open(compactPath, 'w');
    try {
      await aside.writeFile(text);
      await aside.sync();
    } finally {
      await aside.close();
    }
    await rename(compactPath, journalPath);
    await syncDirectory();
    await handle?.close();
    handle = await open(journalPath, 'a');
    journalEntries = count;
  }

  function needsCompaction(): boolean {
    return journalEntries > compactAfter && journalEntries > 2 * (records.size + keys.size);
  }

  async function drain(): Promise<void> {
    while (pending.length > 0 || compactRequested !== undefined || (state === 'open' && needsCompaction())) {
      if (pending.length > 0) {
        const batch = pending;
        const batchWaiters = waiters;
        pending = [];
        waiters = [];
        try {
          await handle!.write(batch.join(''));
          if (fsync) await handle!.datasync();
          journalEntries += batch.length;
          for (const waiter of batchWaiters) waiter.resolve();
        } catch (error) {
          logger.error({ err: error, directory }, 'notify file store write failed');
          for (const waiter of batchWaiters) waiter.reject(error);
        }
        continue;
      }
      const requested = compactRequested ?? [];
      compactRequested = undefined;
      try {
        await rewrite();
        compactions++;
        logger.debug({ directory, entries: journalEntries }, 'notify file store compacted');
        for (const waiter of requested) waiter.resolve();
      } catch (error) {
        logger.error({ err: error, directory }, 'notify file store compaction failed');
        for (const waiter of requested) waiter.reject(error);
        // Appending to the old journal stays correct; try again after as many entries.
        journalEntries = Math.max(0, journalEntries - compactAfter);
      }
    }
  }

  function kick(): void {
    if (writing || state !== 'open') return;
    writing = drain().finally(() => {
      writing = undefined;
      if (pending.length > 0 || compactRequested) kick();
    });
  }

  function append(entry: JournalEntry): Promise<void> {
    if (state === 'closed') {
      return Promise.reject(new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notify file store is closed'));
    }
    if (state !== 'open') {
      return Promise.reject(new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notify file store is not loaded yet'));
    }
    apply(entry);
    pending.push(encodeEntry(entry));
    return new Promise<void>((resolve, reject) => {
      waiters.push({ resolve, reject });
      kick();
    });
  }

  async function load(): Promise<OutboxSnapshot> {
    if (state !== 'new') throw new TelltaleError('TELLTALE_INVALID_INPUT', 'fileStore.load() may be called once');
    state = 'loading';
    await mkdir(directory, { recursive: true });
    const lock = await acquireLock(join(directory, 'lock'), directory).catch((error: unknown) => {
      state = 'new';
      throw error;
    });
    release = lock.release;
    try {
      await unlink(compactPath).catch(() => {});
      const buffer = await readFile(journalPath).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return Buffer.alloc(0);
        throw error;
      });
      const { entries, damage } = decodeJournal(buffer);
      for (const entry of entries) apply(entry);
      report = { records: 0, idempotencyKeys: 0, entries: entries.length };
      if (lock.takenOver) {
        report.lockTakenOver = { pid: lock.takenOver.pid, hostname: lock.takenOver.hostname };
        logger.warn({ directory, ...report.lockTakenOver }, 'notify file store: took over the lock of a dead process');
      }
      if (damage) {
        const savedAs = join(directory, `journal.damaged-${clock.now()}.log`);
        await copyFile(journalPath, savedAs);
        report.damage = { ...damage, savedAs };
        logger.error(
          { directory, ...report.damage, recoveredEntries: entries.length },
          'notify file store journal was damaged; recovered up to the damage',
        );
      }
      // Start from a compact, undamaged journal.
      await rewrite();
      report.records = records.size;
      report.idempotencyKeys = keys.size;
      state = 'open';
      return {
        records: [...records.values()].map((record) => structuredClone(record)),
        idempotencyKeys: [...keys.values()].map((entry) => ({ ...entry })),
      };
    } catch (error) {
      state = 'closed';
      await handle?.close().catch(() => {});
      await lock.release();
      throw error;
    }
  }

  async function close(): Promise<void> {
    if (state === 'closed') return;
    const wasOpen = state === 'open';
    if (wasOpen) {
      kick();
      while (writing) await writing;
    }
    state = 'closed';
    await handle?.close().catch(() => {});
    handle = undefined;
    await release?.();
  }

  return {
    directory,
    load,
    save: (record) => append({ op: 'save', record: { ...record } }),
    remove: (id) => append({ op: 'remove', id }),
    rememberKey: (entry) => append({ op: 'key', entry: { ...entry, channels: [...entry.channels] } }),
    close,
    recovery: () => (report === undefined ? undefined : structuredClone(report)),
    compact() {
      if (state !== 'open')
        return Promise.reject(new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The file store is not open'));
      return new Promise<void>((resolve, reject) => {
        (compactRequested ??= []).push({ resolve, reject });
        kick();
      });
    },
    stats: () => ({ journalEntries, records: records.size, idempotencyKeys: keys.size, compactions }),
  };
}
