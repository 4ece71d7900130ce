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

/** Where and why decoding stopped. */
export interface JournalDamage {
  /** Byte offset of the first bad record; everything before it was recovered. */
  offset: number;
  /** Bytes dropped from there to the end. */
  droppedBytes: number;
  reason: 'torn-record' | 'checksum-mismatch' | 'unparseable';
}

/** Decodes entries up to the first damaged one. */
export function decodeJournal(buffer: Buffer): { entries: JournalEntry[]; damage: JournalDamage | undefined } {
  const entries: JournalEntry[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const end = buffer.indexOf(10, offset);
    const damage = (reason: JournalDamage['reason']) => ({
      entries,
      damage: { offset, droppedBytes: buffer.length - offset, reason },
    });
    if (end === -1) return damage('torn-record');
    const line = buffer.toString('utf8', offset, end);
    const json = line.slice(9);
    if (line[8] !== ' ' || parseInt(line.slice(0, 8), 16) !== crc32(json) || !/^[0-9a-f]{8}$/.test(line.slice(0, 8))) {
      return damage('checksum-mismatch');
    }
    try {
      entries.push(JSON.parse(json) as JournalEntry);
    } catch {
      return damage('unparseable');
    }
    offset = end + 1;
  }
  return { entries, damage: undefined };
}
