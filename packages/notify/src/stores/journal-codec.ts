import { crc32 } from 'node:zlib';
import type { IdempotencyEntry, OutboxRecord } from '../store.js';

/** One journal entry. */
export type JournalEntry =
  { op: 'save'; record: OutboxRecord } | { op: 'remove'; id: string } | { op: 'key'; entry: IdempotencyEntry };

/** A line is `<crc32 as 8 hex> <json>\n`, so a torn or flipped record is detected. */
export function encodeEntry(entry: JournalEntry): string {
  const json = JSON.stringify(entry);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/**
 * What decoding skipped. Decoding never stops at damage: it resynchronises at
 * the next valid record, so records written after a bad spot are kept.
 *
 * @example
 * ```ts
 * const { damage } = decodeJournal(buffer);
 * if (damage) console.warn(`${damage.droppedBytes} bytes skipped in ${damage.regions} places from byte ${damage.offset}`);
 * ```
 */
export interface JournalDamage {
  /** Byte offset of the first bad byte; every valid record before and after it was recovered. */
  offset: number;
  /** Bytes skipped, over all damaged regions. */
  droppedBytes: number;
  /** Why the first damaged region was skipped. */
  reason: 'torn-record' | 'checksum-mismatch' | 'unparseable';
  /** Separate damaged regions skipped. */
  regions: number;
}

const NEWLINE = 10;
const HEX = /^[0-9a-f]{8}$/;

type Parsed = { entry: JournalEntry } | { reason: 'checksum-mismatch' | 'unparseable' };

/** Parses the record in `[start, end)` (without its newline). */
function parseRecord(buffer: Buffer, start: number, end: number): Parsed {
  const line = buffer.toString('utf8', start, end);
  const json = line.slice(9);
  if (line[8] !== ' ' || !HEX.test(line.slice(0, 8)) || parseInt(line.slice(0, 8), 16) !== crc32(json)) {
    return { reason: 'checksum-mismatch' };
  }
  try {
    return { entry: JSON.parse(json) as JournalEntry };
  } catch {
    return { reason: 'unparseable' };
  }
}

/**
 * The first valid record starting inside a bad line: a torn fragment that a
 * later record was appended to (no newline between them) hides that record.
 */
function recordInside(buffer: Buffer, start: number, end: number): { at: number; entry: JournalEntry } | undefined {
  for (
    let space = buffer.indexOf(' {', start + 9);
    space !== -1 && space < end;
    space = buffer.indexOf(' {', space + 1)
  ) {
    const at = space - 8;
    const parsed = parseRecord(buffer, at, end);
    if ('entry' in parsed) return { at, entry: parsed.entry };
  }
  return undefined;
}

/** Decodes every valid entry, skipping (and reporting) torn, corrupted or foreign bytes between them. */
export function decodeJournal(buffer: Buffer): { entries: JournalEntry[]; damage: JournalDamage | undefined } {
  const entries: JournalEntry[] = [];
  let damage: JournalDamage | undefined;
  /** End of the last skipped range, to merge adjacent ones into one region. */
  let skippedUntil = -1;
  const skip = (from: number, to: number, reason: JournalDamage['reason']): void => {
    if (to <= from) return;
    if (damage === undefined) damage = { offset: from, droppedBytes: 0, reason, regions: 0 };
    if (from !== skippedUntil) damage.regions++;
    damage.droppedBytes += to - from;
    skippedUntil = to;
  };
  let offset = 0;
  while (offset < buffer.length) {
    const end = buffer.indexOf(NEWLINE, offset);
    if (end === -1) {
      skip(offset, buffer.length, 'torn-record');
      break;
    }
    const parsed = parseRecord(buffer, offset, end);
    if ('entry' in parsed) entries.push(parsed.entry);
    else {
      const inside = recordInside(buffer, offset, end);
      skip(offset, inside?.at ?? end + 1, parsed.reason);
      if (inside) entries.push(inside.entry);
    }
    offset = end + 1;
  }
  return { entries, damage };
}
