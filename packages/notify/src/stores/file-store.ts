import { copyFile, mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  options as check,
  resolveLogger,
  systemClock,
  TelltaleError,
  type Clock,
  type Logger,
  type TimerHandle,
} from '@telltale/core';
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
  /**
   * `fdatasync` the journal before `save`/`rememberKey` resolve (acknowledgements ride on the next
   * one); default true. Turn off only for tests.
   */
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
  /**
   * Journal size and rows, for monitoring; `writes` and `syncs` count the
   * batched appends and the `fdatasync`s since `load()` (group commit makes
   * both far fewer than the changes).
   */
  stats(): {
    journalEntries: number;
    records: number;
    idempotencyKeys: number;
    compactions: number;
    writes: number;
    syncs: number;
  };
}

/**
 * How long a written acknowledgement (`remove`) may wait for the next
 * fdatasync. A delivered message's `remove` is written at once (so it survives
 * the process being killed: the page cache keeps it) but is made durable by
 * the next batch that needs an fdatasync anyway, by `close()`, or after this
 * delay. Losing it to a power cut can only cause a redelivery of a message
 * that was already delivered, with the same idempotency key — within the
 * at-least-once contract — never the loss of an accepted message.
 */
const ACKNOWLEDGEMENT_SYNC_DELAY_MS = 1000;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Appends of one turn of the event loop: one write, one promise, at most one fdatasync. */
interface Batch extends Waiter {
  lines: string[];
  /** Some entry must be on disk before the batch resolves. */
  durable: boolean;
  promise: Promise<void>;
}

/** `write` may be short (rarely, for regular files): finish it, at the handle's position. */
async function writeAll(handle: FileHandle, text: string): Promise<void> {
  const { bytesWritten } = await handle.write(text);
  const length = Buffer.byteLength(text);
  if (bytesWritten === length) return;
  const rest = Buffer.from(text).subarray(bytesWritten);
  for (let offset = 0; offset < rest.length;) {
    offset += (await handle.write(rest, offset, rest.length - offset)).bytesWritten;
  }
}

function newBatch(): Batch {
  const batch = { lines: [], durable: false } as unknown as Batch;
  batch.promise = new Promise<void>((resolve, reject) => {
    batch.resolve = resolve;
    batch.reject = reject;
  });
  return batch;
}

/** A background compaction: the snapshot being written aside, and what was appended since. */
interface Compaction {
  /** Batches written to the old journal since the snapshot, to be appended to the new one. */
  tail: string[];
  tailEntries: number;
  /** Entries in the snapshot. */
  count: number;
  waiters: Waiter[];
  /** Set once the snapshot is written and fsynced aside. */
  aside: FileHandle | undefined;
  settled: Promise<void> | undefined;
}

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
 * copied over and the file renamed over the journal. At `load()` a torn or
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

  // The live rows, kept as their encoded journal lines: compaction only joins strings.
  const rows = new Map<string, string>();
  const keys = new Map<string, { expiresAt: number; line: string }>();
  let handle: FileHandle | undefined;
  let release: (() => Promise<void>) | undefined;
  let report: FileStoreRecovery | undefined;
  let state: 'new' | 'loading' | 'open' | 'closed' = 'new';
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

  function record(line: string, entry: JournalEntry): void {
    if (entry.op === 'save') rows.set(entry.record.id, line);
    else if (entry.op === 'remove') rows.delete(entry.id);
    else keys.set(entry.entry.key, { expiresAt: entry.entry.expiresAt, line });
  }

  function snapshotText(): { text: string; count: number } {
    const now = clock.now();
    const lines: string[] = [];
    for (const [key, entry] of keys) {
      if (entry.expiresAt <= now) keys.delete(key);
      else lines.push(entry.line);
    }
    for (const line of rows.values()) lines.push(line);
    return { text: lines.join(''), count: lines.length };
  }

  async function syncDirectory(): Promise<void> {
    const directoryHandle = await open(directory, 'r').catch(() => undefined);
    await directoryHandle?.sync().catch(() => {});
    await directoryHandle?.close();
  }

  /** Writes `text` to `journal.compact` and fsyncs it; the handle stays open for appending. */
  async function writeAside(text: string): Promise<FileHandle> {
    const aside = await open(compactPath, 'w');
    try {
      await writeAll(aside, text);
      await aside.sync();
      return aside;
    } catch (error) {
      await aside.close().catch(() => {});
      throw error;
    }
  }

  /** Renames the synced `journal.compact` over the journal and appends to it from now on. */
  async function install(aside: FileHandle, entries: number): Promise<void> {
    await rename(compactPath, journalPath);
    await syncDirectory();
    await handle?.close().catch(() => {});
    handle = aside;
    journalEntries = entries;
    unsynced = false;
  }

  function needsCompaction(): boolean {
    return journalEntries > compactAfter && journalEntries > 2 * (rows.size + keys.size);
  }

  /**
   * Compaction off the append path: the snapshot is written and fsynced aside
   * while batches keep going to the old journal (and are remembered as the
   * tail); only appending the tail and the rename wait for the writer.
   */
  function startCompaction(): void {
    if (compaction || state !== 'open') return;
    const waiters = compactRequested;
    compactRequested = [];
    const { text, count } = snapshotText();
    const job: Compaction = { tail: [], tailEntries: 0, count, waiters, aside: undefined, settled: undefined };
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
      // A left-over journal.compact is harmless: the next attempt truncates it, load() deletes it.
    }
    if (compactRequested.length > 0) startCompaction();
  }

  async function switchToCompacted(job: Compaction, aside: FileHandle): Promise<void> {
    try {
      // Batches written to the old journal but not yet fdatasynced are in the tail: synced with it below.
      while (syncing) await syncing;
      if (job.tail.length > 0) await writeAll(aside, job.tail.join(''));
      await aside.sync();
      await install(aside, job.count + job.tailEntries);
      const covered = awaitingSync;
      awaitingSync = [];
      for (const batch of covered) batch.resolve();
      finishCompaction(job, undefined);
    } catch (error) {
      await aside.close().catch(() => {});
      finishCompaction(job, error);
    }
  }

  /** Writes one batch (page cache: survives the process being killed); durable batches then wait for a sync. */
  async function writeBatch(batch: Batch): Promise<void> {
    try {
      const text = batch.lines.join('');
      await writeAll(handle!, text);
      writes++;
      journalEntries += batch.lines.length;
      if (compaction) {
        compaction.tail.push(text);
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
    } catch (error) {
      logger.error({ err: error, directory }, 'notify file store write failed');
      batch.reject(error);
    }
  }

  /**
   * Group commit: one fdatasync covers every batch written before it started;
   * batches written meanwhile wait for the next one. Writes never wait for a
   * sync, so acknowledgements reach the page cache at once.
   */
  function startSync(): void {
    if (syncing || handle === undefined) return;
    if (awaitingSync.length === 0 && !(syncRequested && unsynced)) return;
    const batches = awaitingSync;
    awaitingSync = [];
    syncRequested = false;
    unsynced = false;
    syncs++;
    syncing = handle.datasync().then(
      () => {
        for (const batch of batches) batch.resolve();
      },
      (error: unknown) => {
        unsynced = true;
        logger.error({ err: error, directory }, 'notify file store fdatasync failed');
        for (const batch of batches) batch.reject(error);
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
    syncTimer = clock.setTimeout(() => {
      syncTimer = undefined;
      syncRequested = true;
      startSync();
    }, ACKNOWLEDGEMENT_SYNC_DELAY_MS);
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
      if (writing || handle === undefined) return;
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
    const line = encodeEntry(entry);
    record(line, entry);
    collecting ??= newBatch();
    collecting.lines.push(line);
    collecting.durable ||= durable;
    kick();
    return collecting.promise;
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
      const records = new Map<string, OutboxRecord>();
      const idempotencyKeys = new Map<string, IdempotencyEntry>();
      for (const entry of entries) {
        if (entry.op === 'save') records.set(entry.record.id, entry.record);
        else if (entry.op === 'remove') records.delete(entry.id);
        else idempotencyKeys.set(entry.entry.key, entry.entry);
      }
      for (const row of records.values()) rows.set(row.id, encodeEntry({ op: 'save', record: row }));
      for (const entry of idempotencyKeys.values()) {
        keys.set(entry.key, { expiresAt: entry.expiresAt, line: encodeEntry({ op: 'key', entry }) });
      }
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
      const { text, count } = snapshotText();
      await install(await writeAside(text), count);
      for (const key of idempotencyKeys.keys()) if (!keys.has(key)) idempotencyKeys.delete(key);
      report.records = records.size;
      report.idempotencyKeys = idempotencyKeys.size;
      state = 'open';
      return { records: [...records.values()], idempotencyKeys: [...idempotencyKeys.values()] };
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
    await handle?.close().catch(() => {});
    handle = undefined;
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
      return new Promise<void>((resolve, reject) => {
        compactRequested.push({ resolve, reject });
        if (!compaction) startCompaction();
      });
    },
    stats: () => ({ journalEntries, records: rows.size, idempotencyKeys: keys.size, compactions, writes, syncs }),
  };
}
