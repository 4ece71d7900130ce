import type { Clock } from '@telltale/core';

/**
 * Counters over a sliding time window split into buckets. Buckets rotate
 * lazily from `clock.now()` on each access, so a window owns no timer: ten
 * thousand breakers cost ten thousand small arrays, not ten thousand intervals.
 */
export class RollingWindow {
  private readonly counts: Float64Array;
  private readonly bucketMilliseconds: number;
  private current = 0;

  constructor(
    private readonly clock: Clock,
    windowMilliseconds: number,
    private readonly buckets: number,
    private readonly fields: number,
  ) {
    this.bucketMilliseconds = Math.max(1, windowMilliseconds / buckets);
    this.counts = new Float64Array(buckets * fields);
    this.current = Math.floor(clock.now() / this.bucketMilliseconds);
  }

  /** Adds `amount` to `field` in the current bucket. */
  add(field: number, amount = 1): void {
    this.rotate();
    this.counts[(this.current % this.buckets) * this.fields + field]! += amount;
  }

  /** Sum of `field` over the window. */
  sum(field: number): number {
    this.rotate();
    let total = 0;
    for (let bucket = 0; bucket < this.buckets; bucket++) total += this.counts[bucket * this.fields + field]!;
    return total;
  }

  /** Forgets everything. */
  reset(): void {
    this.counts.fill(0);
  }

  private rotate(): void {
    const index = Math.floor(this.clock.now() / this.bucketMilliseconds);
    if (index <= this.current) return;
    const stale = Math.min(index - this.current, this.buckets);
    for (let step = 1; step <= stale; step++) {
      const offset = ((this.current + step) % this.buckets) * this.fields;
      this.counts.fill(0, offset, offset + this.fields);
    }
    this.current = index;
  }
}
