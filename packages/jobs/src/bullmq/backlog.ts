import type { Queue } from 'bullmq';

/** How long a backlog read from Redis is trusted (plus this process's adds since). */
const FRESH_FOR = 250;

/**
 * Waiting + delayed jobs per type for `maxQueued`, read from Redis at most
 * every 250 ms and counted up locally in between: `maxQueued` is approximate
 * across processes anyway, and a count per submit would double its round
 * trips. Re-read whenever the estimate reaches the limit, so a full queue
 * is never refused on a stale figure.
 */
export class BacklogEstimate {
  readonly #estimates = new Map<string, { at: number; count: number }>();

  /** The backlog before this submission (counting it for the next caller); a number, without a wait, while fresh. */
  next(name: string, queue: Queue, limit: number): number | Promise<number> {
    const cached = this.#estimates.get(name);
    if (cached && Date.now() - cached.at < FRESH_FOR && cached.count < limit) return cached.count++;
    return this.#read(name, queue);
  }

  async #read(name: string, queue: Queue): Promise<number> {
    const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed');
    const count = (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
    this.#estimates.set(name, { at: Date.now(), count: count + 1 });
    return count;
  }
}
