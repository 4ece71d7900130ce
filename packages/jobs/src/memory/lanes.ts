import type { Priority } from '@telltale/resilience';
import type { JobCounts } from '../types.js';

/** A FIFO with O(1) push and shift (a head index instead of `Array.shift`). */
class Fifo {
  private items: (string | undefined)[] = [];
  private head = 0;

  push(id: string): void {
    this.items.push(id);
  }

  shift(): string | undefined {
    while (this.head < this.items.length) {
      const id = this.items[this.head++];
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /** Blanks the entry (cancellation is rare; shifting skips the hole). */
  remove(id: string): void {
    const index = this.items.indexOf(id, this.head);
    if (index !== -1) this.items[index] = undefined;
  }
}

/** Waiting job ids of one type in three priority lanes, FIFO within a lane. */
export class Lanes {
  private readonly lanes: Record<Priority, Fifo> = { high: new Fifo(), medium: new Fifo(), low: new Fifo() };

  push(priority: Priority, id: string): void {
    this.lanes[priority].push(id);
  }

  shift(): string | undefined {
    return this.lanes.high.shift() ?? this.lanes.medium.shift() ?? this.lanes.low.shift();
  }

  remove(priority: Priority, id: string): void {
    this.lanes[priority].remove(id);
  }
}

/** Zero for every status. */
export function emptyCounts(): JobCounts {
  return { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0, dead: 0, cancelled: 0 };
}
