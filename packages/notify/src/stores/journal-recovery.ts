import { join } from 'node:path';
import type { Logger } from '@telltale/core';
import type { IdempotencyEntry, OutboxRecord } from '../store.js';
import { decodeJournal, type JournalDamage } from './journal-codec.js';
import { readPrivateBuffer, writePrivateFile } from './journal-file.js';

/** What `load()` read back from `journal.log`. */
export interface RecoveredJournal {
  records: Map<string, OutboxRecord>;
  keys: Map<string, IdempotencyEntry>;
  /** Entries replayed. */
  entries: number;
  /** Skipped bytes, with where the damaged journal was copied (absent if the copy could not be written). */
  damage: (JournalDamage & { savedAs?: string }) | undefined;
  /** End of the last complete line: where appending may go on if the journal cannot be rewritten. */
  appendFrom: number;
}

/**
 * Replays the journal (a symbolic link is refused, never followed). Damage is
 * skipped, not a stopping point: every valid record before and after it is
 * kept. A damaged journal is copied aside (owner-only) for inspection; a copy
 * that cannot be written (disk full) is logged, not fatal.
 */
export async function recoverJournal(
  directory: string,
  journalPath: string,
  now: number,
  logger: Logger,
): Promise<RecoveredJournal> {
  const buffer = (await readPrivateBuffer(journalPath)) ?? Buffer.alloc(0);
  const { entries, damage } = decodeJournal(buffer);
  const records = new Map<string, OutboxRecord>();
  const keys = new Map<string, IdempotencyEntry>();
  for (const entry of entries) {
    if (entry.op === 'save') records.set(entry.record.id, entry.record);
    else if (entry.op === 'remove') records.delete(entry.id);
    else keys.set(entry.entry.key, entry.entry);
  }
  const recovered: RecoveredJournal = {
    records,
    keys,
    entries: entries.length,
    damage,
    appendFrom: buffer.lastIndexOf(10) + 1,
  };
  if (damage) {
    const savedAs = join(directory, `journal.damaged-${now}.log`);
    try {
      await writePrivateFile(savedAs, buffer);
      recovered.damage = { ...damage, savedAs };
    } catch (error) {
      logger.error({ err: error, directory }, 'notify file store could not keep a copy of the damaged journal');
    }
    logger.error(
      { directory, ...recovered.damage, recoveredEntries: entries.length },
      'notify file store journal was damaged; skipped the damage and recovered every valid record',
    );
  }
  return recovered;
}
