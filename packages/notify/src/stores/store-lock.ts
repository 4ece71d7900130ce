import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readdir, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TelltaleError } from '@telltale/core';
import { readPrivateFile, writePrivateFile } from './journal-file.js';

/**
 * Thrown when a store directory is locked by another live process
 * (`TELLTALE_NOTIFY_STORE_LOCKED`); `pid` and `hostname` name the owner.
 *
 * @example
 * ```ts
 * import { NotifyStoreLockedError } from '@telltale/notify';
 * try { await notifier.send(message); } catch (error) {
 *   if (NotifyStoreLockedError.is(error)) console.error(`store owned by pid ${error.pid} on ${error.hostname}`);
 * }
 * ```
 */
export class NotifyStoreLockedError extends TelltaleError {
  /** Process id of the owner. */
  readonly pid: number;
  /** Host name of the owner. */
  readonly hostname: string;

  constructor(directory: string, owner: Pick<LockOwner, 'pid' | 'hostname'>) {
    super(
      'TELLTALE_NOTIFY_STORE_LOCKED',
      `The notify store directory ${directory} is locked by pid ${owner.pid} on ${owner.hostname}`,
      { details: { directory, pid: owner.pid, hostname: owner.hostname } },
    );
    this.name = 'NotifyStoreLockedError';
    this.pid = owner.pid;
    this.hostname = owner.hostname;
  }

  /**
   * True when `error` is a store-locked error from any copy of `@telltale/notify`.
   *
   * @example
   * ```ts
   * if (NotifyStoreLockedError.is(error)) console.error(error.pid, error.hostname);
   * ```
   */
  static override is(error: unknown): error is NotifyStoreLockedError {
    return TelltaleError.is(error, 'TELLTALE_NOTIFY_STORE_LOCKED') && 'pid' in error;
  }
}

/** What a lock file holds. `instance` tells a restarted process with the same pid (PID 1 in a container) from its predecessor. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** Random per acquisition. */
  instance?: string;
  /** Linux: the kernel's boot id; a lock from another boot is stale. */
  bootId?: string;
  /** Linux: the owner's start time in clock ticks since boot (`/proc/<pid>/stat`), so a reused pid is told apart. */
  startTime?: string;
  since?: string;
  /** Written by `release()`: the owner closed the store. */
  released?: boolean;
}

// Held lock instances of this process, shared by every copy of the package loaded in it.
const HELD = Symbol.for('telltale.notify.heldStoreLocks');
const held = ((globalThis as Record<symbol, Set<string> | undefined>)[HELD] ??= new Set<string>());

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Field 22 of `/proc/<pid>/stat` (after the parenthesised command, which may hold spaces). */
function startTimeOf(pid: number | 'self'): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the lock's owner may still be running. Another host's owner cannot
 * be checked: assumed alive. On this host, a lock with our own pid is alive
 * only if this very process holds it (a container restarted with the same pid
 * finds its predecessor's lock); otherwise the pid must exist and, where
 * known, have the same boot and start time (pids are reused).
 */
function ownerAlive(owner: LockOwner, me: LockOwner): boolean {
  if (owner.released) return false;
  if (owner.hostname !== me.hostname) return true;
  if (owner.bootId !== undefined && me.bootId !== undefined && owner.bootId !== me.bootId) return false;
  if (owner.pid === process.pid) return owner.instance !== undefined && held.has(owner.instance);
  if (!pidExists(owner.pid)) return false;
  const startTime = owner.startTime === undefined ? undefined : startTimeOf(owner.pid);
  return startTime === undefined || startTime === owner.startTime;
}

function parseOwner(text: string | undefined): LockOwner | undefined {
  if (text === undefined) return undefined;
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.hostname === 'string') return owner as LockOwner;
  } catch {
    // Not ours (locks are linked into place complete, never seen half-written): stale.
  }
  return undefined;
}

/** `lock.<n>` files; `lock` (the format before generations) counts as generation 0. */
const GENERATION = /^lock(?:\.(\d+))?$/;

async function generations(directory: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir(directory)) {
    const match = GENERATION.exec(name);
    if (match) found.push(match[1] === undefined ? 0 : Number(match[1]));
  }
  return found.sort((a, b) => b - a);
}

const lockName = (generation: number): string => (generation === 0 ? 'lock' : `lock.${generation}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the store directory's lock. Locks are numbered generations: the
 * owner is whoever created the highest `lock.<n>`. A new owner hard-links its
 * fully written owner file to `lock.<n+1>` — atomic and exclusive, so of
 * processes racing over a stale `lock.<n>` exactly one succeeds, and no lock
 * file ever exists half-written. Nothing is deleted before taking over (the
 * old generation is removed afterwards), so there is no remove-then-create
 * window. `release()` replaces the file with a `released` tombstone rather
 * than deleting it, so generation numbers never go back. Returns the dead
 * owner taken over, if any, and the release function.
 */
export async function acquireLock(
  directory: string,
): Promise<{ takenOver: LockOwner | undefined; release: () => Promise<void> }> {
  const me: LockOwner = { pid: process.pid, hostname: hostname(), instance: randomUUID() };
  const bootId = readProc('/proc/sys/kernel/random/boot_id');
  const startTime = startTimeOf('self');
  if (bootId !== undefined) me.bootId = bootId;
  if (startTime !== undefined) me.startTime = startTime;
  me.since = new Date().toISOString();
  const temporary = join(directory, `lock.${me.instance}.tmp`);
  await writePrivateFile(temporary, JSON.stringify(me));
  let takenOver: LockOwner | undefined;
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      const newest = (await generations(directory))[0] ?? -1;
      if (newest >= 0) {
        const text = await readPrivateFile(join(directory, lockName(newest)));
        if (text === undefined) continue; // removed meanwhile by a new owner: look again
        const owner = parseOwner(text);
        if (owner && ownerAlive(owner, me)) throw new NotifyStoreLockedError(directory, owner);
        takenOver = owner?.released ? undefined : (owner ?? { pid: 0, hostname: 'unknown' });
      }
      const generation = Math.max(newest + 1, 1);
      const path = join(directory, lockName(generation));
      try {
        await link(temporary, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      // Someone who looked later may have taken a higher generation (after its predecessor
      // removed the one we just linked): the highest wins; step back and look again.
      if (((await generations(directory))[0] ?? generation) > generation) {
        await unlink(path).catch(() => {});
        await pause(1 + Math.random() * 10);
        continue;
      }
      held.add(me.instance!);
      for (const older of await generations(directory)) {
        if (older < generation) await unlink(join(directory, lockName(older))).catch(() => {});
      }
      return { takenOver, release: () => release(directory, path, me) };
    }
    throw new NotifyStoreLockedError(directory, takenOver ?? { pid: 0, hostname: 'unknown' });
  } finally {
    await unlink(temporary).catch(() => {});
  }
}

/** Replaces the lock with a `released` tombstone (atomically: written aside, renamed over it). */
async function release(directory: string, path: string, me: LockOwner): Promise<void> {
  held.delete(me.instance!);
  const tombstone = join(directory, `lock.${me.instance}.released`);
  try {
    await writePrivateFile(tombstone, JSON.stringify({ ...me, released: true }));
    await rename(tombstone, path);
  } catch {
    // No room for the tombstone (disk full): the lock stays, and reads as stale once this process exits.
    await unlink(tombstone).catch(() => {});
  }
}
