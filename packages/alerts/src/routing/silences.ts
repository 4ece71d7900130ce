import { randomUUID } from 'node:crypto';
import { TelltaleError } from '@telltale/core';
import type { Labels } from '../store/labels.js';
import { matchersMatch, matchersString, parseMatchers, type Matcher, type MatcherInput } from './matchers.js';

/** Options of `silence()`. */
export interface SilenceOptions {
  /** When the silence ends (epoch ms or Date). Required. */
  until: number | Date;
  /** When it starts. Default now. */
  startsAt?: number | Date;
  comment?: string;
  author?: string;
}

/** A silence as `silences()` and `state()` report it. */
export interface Silence {
  readonly id: string;
  /** The matchers in Alertmanager's syntax, e.g. `{alertname="High"}`. */
  readonly matchers: string;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly comment: string;
  readonly author: string;
  /** `pending` before `startsAt`, `active`, then `expired`. */
  readonly status: 'pending' | 'active' | 'expired';
}

/** A stored silence (serialisable). */
export interface SilenceRecord {
  id: string;
  matchers: string;
  startsAt: number;
  endsAt: number;
  comment: string;
  author: string;
}

/** Expired silences are kept this long for introspection, as Alertmanager's retention does. */
const EXPIRED_RETENTION = 24 * 60 * 60_000;

const toTime = (value: number | Date, name: string): number => {
  const time = value instanceof Date ? value.getTime() : value;
  if (typeof time !== 'number' || !Number.isFinite(time))
    throw new TelltaleError('TELLTALE_INVALID_INPUT', `Silence ${name} must be a time (epoch ms or Date)`, {
      details: { [name]: value },
    });
  return time;
};

/** The silence store: add, expire, and "is this label set muted now". */
export function createSilences(now: () => number) {
  const records = new Map<string, { record: SilenceRecord; matchers: Matcher[] }>();
  const status = (record: SilenceRecord, time: number): Silence['status'] =>
    time < record.startsAt ? 'pending' : time < record.endsAt ? 'active' : 'expired';
  const gc = (time: number): void => {
    for (const [id, { record }] of records) if (record.endsAt + EXPIRED_RETENTION < time) records.delete(id);
  };
  const insert = (record: SilenceRecord): void => {
    records.set(record.id, { record, matchers: parseMatchers(record.matchers) });
  };
  return {
    add(input: string | readonly MatcherInput[], options: SilenceOptions): string {
      const matchers = parseMatchers(input);
      if (matchers.length === 0)
        throw new TelltaleError('TELLTALE_INVALID_INPUT', 'A silence needs at least one matcher', {
          details: { matchers: input },
        });
      if (typeof options !== 'object' || options === null || options.until === undefined)
        throw new TelltaleError('TELLTALE_INVALID_INPUT', 'A silence needs { until }', { details: { options } });
      const time = now();
      const startsAt = options.startsAt === undefined ? time : toTime(options.startsAt, 'startsAt');
      const endsAt = toTime(options.until, 'until');
      if (endsAt <= Math.max(startsAt, time))
        throw new TelltaleError('TELLTALE_INVALID_INPUT', 'A silence must end in the future and after it starts', {
          details: { startsAt, endsAt },
        });
      const record: SilenceRecord = {
        id: randomUUID(),
        matchers: matchersString(matchers),
        startsAt,
        endsAt,
        comment: options.comment ?? '',
        author: options.author ?? '',
      };
      records.set(record.id, { record, matchers });
      gc(time);
      return record.id;
    },
    expire(id: string): boolean {
      const entry = records.get(id);
      const time = now();
      if (!entry || entry.record.endsAt <= time) return false;
      entry.record.endsAt = time;
      if (entry.record.startsAt > time) entry.record.startsAt = time;
      return true;
    },
    /** Ids of the active silences matching `labels`. */
    matching(labels: Labels): string[] {
      const time = now();
      const ids: string[] = [];
      for (const { record, matchers } of records.values())
        if (status(record, time) === 'active' && matchersMatch(matchers, labels)) ids.push(record.id);
      return ids;
    },
    list(): Silence[] {
      const time = now();
      return [...records.values()].map(({ record }) => ({ ...record, status: status(record, time) }));
    },
    records: (): SilenceRecord[] => [...records.values()].map(({ record }) => ({ ...record })),
    restore(saved: readonly SilenceRecord[]): void {
      for (const record of saved) insert({ ...record });
      gc(now());
    },
  };
}

/** The silence store type. */
export type Silences = ReturnType<typeof createSilences>;
