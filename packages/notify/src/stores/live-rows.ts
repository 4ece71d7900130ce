import type { Clock } from '@telltale/core';
import type { IdempotencyEntry, OutboxRecord } from '../store.js';
import { encodeEntry, type JournalEntry } from './journal-codec.js';

/** How to take back one applied entry if its write fails; `touches` names the row it changed. */
export interface Undo {
  touches: string;
  restore: () => void;
}

/**
 * The file store's live rows, kept as their encoded journal lines (a
 * compaction only joins strings). Entries are applied when appended, before
 * their write; a failed write is taken back with the returned {@link Undo}s.
 */
export function createLiveRows(clock: Clock) {
  const rows = new Map<string, string>();
  const keys = new Map<string, { expiresAt: number; line: string }>();

  return {
    get records(): number {
      return rows.size;
    },
    get idempotencyKeys(): number {
      return keys.size;
    },
    has: (key: string): boolean => keys.has(key),

    /** Applies an entry; returns how to undo it. */
    apply(line: string, entry: JournalEntry): Undo {
      if (entry.op === 'key') {
        const key = entry.entry.key;
        const before = keys.get(key);
        keys.set(key, { expiresAt: entry.entry.expiresAt, line });
        return { touches: `k:${key}`, restore: () => (before ? keys.set(key, before) : keys.delete(key)) };
      }
      const id = entry.op === 'save' ? entry.record.id : entry.id;
      const before = rows.get(id);
      if (entry.op === 'save') rows.set(id, line);
      else rows.delete(id);
      return { touches: `r:${id}`, restore: () => (before ? rows.set(id, before) : rows.delete(id)) };
    },

    /** Undoes a failed batch, newest first, except rows that a later batch (`later`) changed again. */
    rollback(undo: readonly Undo[], later: readonly Undo[] = []): void {
      const touchedLater = new Set(later.map((entry) => entry.touches));
      for (let index = undo.length - 1; index >= 0; index--) {
        if (!touchedLater.has(undo[index]!.touches)) undo[index]!.restore();
      }
    },

    /** What `load()` recovered. */
    seed(records: Iterable<OutboxRecord>, entries: Iterable<IdempotencyEntry>): void {
      for (const row of records) rows.set(row.id, encodeEntry({ op: 'save', record: row }));
      for (const entry of entries) {
        keys.set(entry.key, { expiresAt: entry.expiresAt, line: encodeEntry({ op: 'key', entry }) });
      }
    },

    /** The journal text of the live rows (dropping expired keys), for a compaction. */
    snapshot(): { text: string; count: number } {
      const now = clock.now();
      const lines: string[] = [];
      for (const [key, entry] of keys) {
        if (entry.expiresAt <= now) keys.delete(key);
        else lines.push(entry.line);
      }
      for (const line of rows.values()) lines.push(line);
      return { text: lines.join(''), count: lines.length };
    },
  };
}

/** The live rows of one file store. */
export type LiveRows = ReturnType<typeof createLiveRows>;
