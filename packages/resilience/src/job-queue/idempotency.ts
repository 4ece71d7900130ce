import type { Clock } from '@telltale/core';

interface KeyEntry {
  readonly id: string;
  readonly done: Promise<unknown>;
  expiresAt: number;
}

/**
 * Idempotency keys of a job queue: a key is held while its job is pending
 * and for `ttl` after it completes; a dead-lettered job gives its key back.
 * Expired keys are swept on use, at most once a minute (or once per `ttl`).
 */
export class IdempotencyKeys {
  private readonly keys = new Map<string, KeyEntry>();
  private lastSweep: number;

  constructor(
    private readonly clock: Clock,
    private readonly ttl: number,
  ) {
    this.lastSweep = clock.now();
  }

  /** The pending or recently completed job holding `key`, if any. */
  find(key: string): { readonly id: string; readonly done: Promise<unknown> } | undefined {
    this.sweep();
    const existing = this.keys.get(key);
    return existing && existing.expiresAt > this.clock.now() ? existing : undefined;
  }

  /** `key` now belongs to job `id` until it completes (then for `ttl`) or is dead-lettered. */
  hold(key: string, id: string, done: Promise<unknown>): void {
    this.keys.set(key, { id, done, expiresAt: Infinity });
  }

  /** Job `id` completed: its key keeps dropping duplicates for `ttl`. */
  completed(key: string, id: string): void {
    const entry = this.keys.get(key);
    if (entry?.id === id) entry.expiresAt = this.clock.now() + this.ttl;
  }

  /** Job `id` was dead-lettered: its key may be submitted again. */
  release(key: string, id: string): void {
    if (this.keys.get(key)?.id === id) this.keys.delete(key);
  }

  private sweep(): void {
    const now = this.clock.now();
    if (now - this.lastSweep < Math.min(this.ttl, 60_000)) return;
    this.lastSweep = now;
    for (const [key, entry] of this.keys) if (entry.expiresAt <= now) this.keys.delete(key);
  }
}
