import type { BrokerEvent } from '../broker.js';

/** The tail of a stored entry after `{"id":N` — the script prepends the id it assigns. */
export function entryTail(publishedAt: number, type: string, dataJson: string): string {
  return `,"publishedAt":${publishedAt},"type":${JSON.stringify(type)},"data":${dataJson}}`;
}

/**
 * Parses a stored or published entry. `data` is last, so its JSON text is
 * kept as `dataJson` and never serialised again. `undefined` for anything
 * malformed (another writer on our keys).
 */
export function parseEntry(text: string): BrokerEvent | undefined {
  try {
    const value = JSON.parse(text) as { id?: unknown; publishedAt?: unknown; type?: unknown; data?: unknown };
    if (typeof value.id !== 'number' || typeof value.type !== 'string' || typeof value.publishedAt !== 'number') {
      return undefined;
    }
    const dataAt = text.indexOf(',"data":');
    const dataJson = dataAt === -1 ? undefined : text.slice(dataAt + 8, -1);
    return {
      id: value.id,
      type: value.type,
      data: value.data,
      publishedAt: value.publishedAt,
      ...(dataJson ? { dataJson } : {}),
    };
  } catch {
    return undefined;
  }
}
