import { withoutMetricName, type Labels } from './labels.js';
import type { RangeSeries } from '../promql/values.js';

const INITIAL_CAPACITY = 8;

/**
 * One series: timestamps and values in typed arrays (8 + 8 bytes per sample
 * plus one byte for the staleness flag), kept contiguous so a range can be
 * handed to functions as zero-copy `subarray` views. Old samples are dropped
 * by moving `head`; the buffer is compacted once enough slack accumulates.
 */
export class StoredSeries {
  readonly labels: Labels;
  readonly key: string;
  private times: Float64Array;
  private values: Float64Array;
  private stale: Uint8Array;
  private head = 0;
  private staleCount = 0;
  private unnamed: Labels | undefined;
  length = 0;

  constructor(labels: Labels, key: string) {
    this.labels = labels;
    this.key = key;
    this.times = new Float64Array(INITIAL_CAPACITY);
    this.values = new Float64Array(INITIAL_CAPACITY);
    this.stale = new Uint8Array(INITIAL_CAPACITY);
  }

  /** The labels without `__name__` (what most functions return), computed once. */
  get unnamedLabels(): Labels {
    return (this.unnamed ??= withoutMetricName(this.labels));
  }

  get capacity(): number {
    return this.times.length;
  }

  timeAt(index: number): number {
    return this.times[this.head + index]!;
  }

  valueAt(index: number): number {
    return this.values[this.head + index]!;
  }

  isStaleAt(index: number): boolean {
    return this.stale[this.head + index] === 1;
  }

  lastTime(): number {
    return this.length === 0 ? -Infinity : this.times[this.head + this.length - 1]!;
  }

  /** Appends in time order; returns false for out-of-order or duplicate timestamps. */
  append(time: number, value: number, isStale: boolean, cap: number): boolean {
    if (this.length > 0 && time <= this.lastTime()) return false;
    if (this.length >= cap) this.dropOldest(this.length - cap + 1);
    if (this.head + this.length === this.times.length) {
      if (this.head > 0 && this.head * 16 >= this.length) this.compact();
      else
        this.grow(
          Math.min(cap + Math.ceil(cap / 16) + 1, Math.max(INITIAL_CAPACITY, Math.ceil(this.times.length * 1.5))),
        );
    }
    const slot = this.head + this.length;
    this.times[slot] = time;
    this.values[slot] = value;
    this.stale[slot] = isStale ? 1 : 0;
    if (isStale) this.staleCount++;
    this.length++;
    return true;
  }

  /** Drops samples at or before `cutoff`. */
  truncate(cutoff: number): void {
    if (this.length === 0 || this.times[this.head]! > cutoff) return;
    const count = this.indexAfter(cutoff);
    if (count > 0) this.dropOldest(count);
  }

  /**
   * First logical index whose time is > `time`. Scrapes are regular, so an
   * interpolated guess plus a short walk usually lands at once; irregular
   * series fall back to binary search.
   */
  indexAfter(time: number): number {
    const length = this.length;
    if (length === 0) return 0;
    const times = this.times;
    const head = this.head;
    const first = times[head]!;
    const last = times[head + length - 1]!;
    if (time < first) return 0;
    if (time >= last) return length;
    let index = Math.floor(((time - first) / (last - first)) * (length - 1));
    for (let steps = 0; steps < 8; steps++) {
      if (times[head + index]! > time) {
        if (times[head + index - 1]! <= time) return index;
        index--;
      } else {
        if (times[head + index + 1]! > time) return index + 1;
        index++;
      }
    }
    let low = 0;
    let high = length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (times[head + middle]! <= time) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * The range-vector series of samples with logical index in `[from, to)`, staleness markers left out:
   * the store's own buffers and physical bounds when it holds no markers
   * (no copy), else compacted copies. Valid until the next append.
   */
  window(from: number, to: number): RangeSeries {
    const start = this.head + from;
    const end = this.head + to;
    if (this.staleCount === 0) {
      return {
        labels: this.labels,
        unnamedLabels: this.unnamedLabels,
        times: this.times,
        values: this.values,
        start,
        end,
      };
    }
    let kept = 0;
    for (let index = start; index < end; index++) if (this.stale[index] === 0) kept++;
    const times = new Float64Array(kept);
    const values = new Float64Array(kept);
    let target = 0;
    for (let index = start; index < end; index++) {
      if (this.stale[index] === 1) continue;
      times[target] = this.times[index]!;
      values[target++] = this.values[index]!;
    }
    return { labels: this.labels, unnamedLabels: this.unnamedLabels, times, values, start: 0, end: kept };
  }

  private dropOldest(count: number): void {
    if (this.staleCount > 0) {
      for (let index = this.head; index < this.head + count; index++) if (this.stale[index] === 1) this.staleCount--;
    }
    this.head += count;
    this.length -= count;
    if (this.length === 0) this.head = 0;
  }

  private compact(): void {
    const end = this.head + this.length;
    this.times.copyWithin(0, this.head, end);
    this.values.copyWithin(0, this.head, end);
    this.stale.copyWithin(0, this.head, end);
    this.head = 0;
  }

  private grow(capacity: number): void {
    const times = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    const stale = new Uint8Array(capacity);
    const end = this.head + this.length;
    times.set(this.times.subarray(this.head, end));
    values.set(this.values.subarray(this.head, end));
    stale.set(this.stale.subarray(this.head, end));
    this.times = times;
    this.values = values;
    this.stale = stale;
    this.head = 0;
  }
}
