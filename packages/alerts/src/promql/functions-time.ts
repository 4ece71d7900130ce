import { withoutMetricName } from '../store/labels.js';
import type { Sample } from './values.js';

const DATE_PARTS: Readonly<Record<string, (date: Date) => number>> = {
  year: (date) => date.getUTCFullYear(),
  month: (date) => date.getUTCMonth() + 1,
  day_of_month: (date) => date.getUTCDate(),
  day_of_week: (date) => date.getUTCDay(),
  day_of_year: (date) =>
    Math.floor(
      (Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - Date.UTC(date.getUTCFullYear(), 0, 1)) /
        86_400_000,
    ) + 1,
  days_in_month: (date) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate(),
  hour: (date) => date.getUTCHours(),
  minute: (date) => date.getUTCMinutes(),
};

/**
 * `year()`, `month()`, `day_of_week()`, ... of each sample's value read as
 * Unix seconds (whole seconds, UTC), or of the evaluation time when called
 * without an argument.
 */
export function dateFunction(name: string, samples: readonly Sample[] | undefined, time: number): Sample[] {
  const part = DATE_PARTS[name]!;
  if (samples === undefined) return [{ labels: {}, value: part(new Date(Math.trunc(time / 1000) * 1000)) }];
  const result: Sample[] = [];
  for (const sample of samples) {
    const seconds = Math.trunc(sample.value);
    const date = new Date(seconds * 1000);
    const value = Number.isNaN(date.getTime()) ? Number.NaN : part(date);
    result.push({ labels: withoutMetricName(sample.labels), value });
  }
  return result;
}
