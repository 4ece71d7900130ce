import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { TelltaleError } from '@telltale/core';

/** Store files hold message bodies and addresses: owner only. */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIRECTORY = 0o700;

// Windows has no O_NOFOLLOW (0 there): symbolic links are refused where the platform can tell.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** A store file that is a symbolic link: refused, never followed (`TELLTALE_NOTIFY_STORE_UNSAFE`). */
export function unsafePathError(path: string, cause?: unknown): TelltaleError {
  return new TelltaleError(
    'TELLTALE_NOTIFY_STORE_UNSAFE',
    `The notify store file ${path} is a symbolic link; refusing to follow it`,
    { cause, details: { path } },
  );
}

/** Opens a store file without following a symbolic link, created owner-only. */
export async function openPrivate(path: string, flags: number): Promise<FileHandle> {
  try {
    return await open(path, flags | NOFOLLOW, PRIVATE_FILE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw unsafePathError(path, error);
    throw error;
  }
}

/** Opens (creating or emptying) a file for writing at explicit positions. */
export const openForWriting = (path: string): Promise<FileHandle> =>
  openPrivate(path, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC);

/** The file's contents, `undefined` if it does not exist; a symbolic link is refused. */
export async function readPrivateFile(path: string): Promise<string | undefined> {
  const buffer = await readPrivateBuffer(path);
  return buffer?.toString('utf8');
}

export async function readPrivateBuffer(path: string): Promise<Buffer | undefined> {
  let handle: FileHandle;
  try {
    handle = await openPrivate(path, constants.O_RDONLY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Writes a new owner-only file completely and fsyncs it; fails if it exists. */
export async function writePrivateFile(path: string, data: string | Buffer): Promise<void> {
  const handle = await openPrivate(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw error;
  }
  await handle.close();
}

/** Writes all of `data` at `position` (a `write` may be short). Positional, so a truncation cannot leave a hole. */
export async function writeAllAt(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  for (let done = 0; done < data.length;) {
    done += (await handle.write(data, done, data.length - done, position + done)).bytesWritten;
  }
}

export async function syncDirectory(directory: string): Promise<void> {
  const directoryHandle = await open(directory, 'r').catch(() => undefined);
  await directoryHandle?.sync().catch(() => {});
  await directoryHandle?.close();
}

/** A journal write failed (`TELLTALE_NOTIFY_STORE_WRITE`): nothing of it was kept. */
export function storeWriteError(directory: string, cause: unknown): TelltaleError {
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new TelltaleError(
    'TELLTALE_NOTIFY_STORE_WRITE',
    `The notify store could not write its journal in ${directory}${errno ? ` (${errno})` : ''}; nothing of it was kept`,
    { cause, details: { directory, ...(errno ? { errno } : {}) } },
  );
}

/** The journal may hold a partial record that could not be removed (`TELLTALE_NOTIFY_STORE_UNWRITABLE`). */
export function unwritableError(directory: string, cause: unknown, what: string): TelltaleError {
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new TelltaleError(
    'TELLTALE_NOTIFY_STORE_UNWRITABLE',
    `The notify store in ${directory} refuses further writes: ${what}; restart the process to recover`,
    { cause, details: { directory, ...(errno ? { errno } : {}) } },
  );
}
