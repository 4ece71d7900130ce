import type { FileHandle } from 'node:fs/promises';
import type { Clock, Logger, TelltaleError, TimerHandle } from '@telltale/core';
import type { OutboxStore } from '../store.js';
import type { JournalDamage } from './journal-codec.js';
import type { LiveRows, Undo } from './live-rows.js';

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
  /**
   * Torn, corrupted or foreign bytes that were skipped (every valid record
   * before and after them was recovered); the damaged journal was copied to
   * `savedAs` (absent if the copy could not be written, say on a full disk).
   */
  damage?: JournalDamage & { savedAs?: string };
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
export const ACKNOWLEDGEMENT_SYNC_DELAY_MS = 1000;

export interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Appends of one turn of the event loop: one write, one promise, at most one fdatasync. */
export interface Batch extends Waiter {
  lines: string[];
  /** Restore the in-memory rows if the write fails, newest first; keyed by what they touch. */
  undo: Undo[];
  /** Some entry must be on disk before the batch resolves. */
  durable: boolean;
  promise: Promise<void>;
}

/** An open journal file and the end of its last completely written record: where the next write goes. */
export interface JournalFile {
  handle: FileHandle;
  size: number;
}

export function newBatch(): Batch {
  const batch = { lines: [], undo: [], durable: false } as unknown as Batch;
  batch.promise = new Promise<void>((resolve, reject) => {
    batch.resolve = resolve;
    batch.reject = reject;
  });
  return batch;
}

/** A background compaction: the snapshot being written aside, and what was appended since. */
export interface Compaction {
  /** Batches written to the old journal since the snapshot, to be appended to the new one. */
  tail: string[];
  tailEntries: number;
  /** Entries in the snapshot. */
  count: number;
  waiters: Waiter[];
  /** Set once the snapshot is written and fsynced aside. */
  aside: JournalFile | undefined;
  settled: Promise<void> | undefined;
  /** A write failed after the snapshot was taken, which may hold its rolled-back rows: discard it. */
  stale: boolean;
}

/** The mutable state of one file store, shared by its writer, its compaction and its load/close. */
export interface JournalState {
  readonly directory: string;
  readonly journalPath: string;
  readonly compactPath: string;
  readonly fsync: boolean;
  readonly compactAfter: number;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly live: LiveRows;
  journal: JournalFile | undefined;
  state: 'new' | 'loading' | 'open' | 'closed';
  /** Set when the journal may end in a partial record that could not be removed: no further writes. */
  broken: TelltaleError | undefined;
  /** The batch collecting appends; written as one write (+ one fdatasync if any entry needs it). */
  collecting: Batch | undefined;
  writing: Promise<void> | undefined;
  scheduled: boolean;
  /** Written but not yet fdatasynced (acknowledgements only). */
  unsynced: boolean;
  /** Durable batches written and waiting for the next fdatasync. */
  awaitingSync: Batch[];
  syncing: Promise<void> | undefined;
  syncTimer: TimerHandle | undefined;
  syncRequested: boolean;
  compaction: Compaction | undefined;
  compactRequested: Waiter[];
  journalEntries: number;
  compactions: number;
  writes: number;
  syncs: number;
}
