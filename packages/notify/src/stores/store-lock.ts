import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { TelltaleError } from '@telltale/core';

/**
 * Thrown when a store directory is locked by another live process
 * (`TELLTALE_NOTIFY_STORE_LOCKED`); `pid` and `hostname` name the owner.
 *
 * @example
 * ```ts
 * import { NotifyStoreLockedError } from '@telltale/notify';
 * try { await notifier.send(message); } catch (error) {
 *   if (error instanceof NotifyStoreLockedError) console.error(`store owned by pid ${error.pid} on ${error.hostname}`);
 * }
 * ```
 */
export class NotifyStoreLockedError extends TelltaleError {
  /** Process id of the owner. */
  readonly pid: number;
  /** Host name of the owner. */
  readonly hostname: string;

  constructor(directory: string, owner: LockOwner) {
    super(
      'TELLTALE_NOTIFY_STORE_LOCKED',
      `The notify store directory ${directory} is locked by pid ${owner.pid} on ${owner.hostname}`,
      { details: { directory, pid: owner.pid, hostname: owner.hostname } },
    );
    this.name = 'NotifyStoreLockedError';
    this.pid = owner.pid;
    this.hostname = owner.hostname;
  }
}

interface LockOwner {
  pid: number;
  hostname: string;
  since?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.hostname === 'string') return owner as LockOwner;
  } catch {
    // Unreadable or half-written: treated as stale below.
  }
  return undefined;
}

/**
 * Takes `path` as an exclusive lock holding `{ pid, hostname }`. A lock left
 * by a dead process on this host (or an unreadable one) is taken over; a live
 * owner, or any owner on another host (whose liveness cannot be checked),
 * gives a {@link NotifyStoreLockedError}. Returns `{ takenOver }` and a release function.
 */
export async function acquireLock(
  path: string,
  directory: string,
): Promise<{ takenOver: LockOwner | undefined; release: () => Promise<void> }> {
  const me: LockOwner = { pid: process.pid, hostname: hostname(), since: new Date().toISOString() };
  let takenOver: LockOwner | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(JSON.stringify(me));
      await handle.sync();
      await handle.close();
      return { takenOver, release: () => unlink(path).catch(() => {}) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(path);
    if (owner && (owner.hostname !== me.hostname || alive(owner.pid)))
      throw new NotifyStoreLockedError(directory, owner);
    takenOver = owner ?? { pid: 0, hostname: 'unknown' };
    await unlink(path).catch(() => {});
  }
  throw new NotifyStoreLockedError(directory, (await readOwner(path)) ?? { pid: 0, hostname: 'unknown' });
}
