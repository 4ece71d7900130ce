import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fileStore } from '@telltale/notify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'telltale-lock-'));
  cleanups.push(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

const linux = existsSync('/proc/self/stat');
const startTimeOf = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
};
const bootId = linux ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : undefined;
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid;

describe('fileStore lock: a restarted container with the same pid', () => {
  it('takes over a lock holding its own pid and hostname left by the previous process (PID 1 restart)', async () => {
    const directory = await tempDirectory();
    // Exactly what the previous container left: Node as PID 1 then and now, same volume, same hostname.
    await writeFile(
      join(directory, 'lock.3'),
      JSON.stringify({
        pid: process.pid,
        hostname: hostname(),
        instance: 'previous-container',
        ...(bootId === undefined ? {} : { bootId }),
        startTime: '12345',
        since: '2026-01-01T00:00:00.000Z',
      }),
    );
    const store = fileStore({ directory });
    await store.load();
    expect(store.recovery()!.lockTakenOver).toEqual({ pid: process.pid, hostname: hostname() });
    expect(JSON.parse(await readFile(join(directory, 'lock.4'), 'utf8'))).toMatchObject({ pid: process.pid });
    expect((await readdir(directory)).filter((name) => name.startsWith('lock'))).toEqual(['lock.4']);
    // This process does hold it now: a second store in it is refused.
    await expect(fileStore({ directory }).load()).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_STORE_LOCKED' });
    await store.close();
  });

  it('takes over the older format (`lock` with only pid and hostname) holding its own pid', async () => {
    const directory = await tempDirectory();
    await writeFile(join(directory, 'lock'), JSON.stringify({ pid: process.pid, hostname: hostname() }));
    const store = fileStore({ directory });
    await store.load();
    expect(store.recovery()!.lockTakenOver).toEqual({ pid: process.pid, hostname: hostname() });
    await store.close();
  });

  it.skipIf(!linux)('tells a reused pid from the owner by its start time, and refuses a live owner', async () => {
    const directory = await tempDirectory();
    const sleeper = spawn('sleep', ['30']);
    cleanups.push(() => Promise.resolve(void sleeper.kill('SIGKILL')));
    await new Promise((resolve) => sleeper.once('spawn', resolve));
    const owner = { pid: sleeper.pid!, hostname: hostname(), instance: 'x', bootId };
    await writeFile(join(directory, 'lock.1'), JSON.stringify({ ...owner, startTime: startTimeOf(sleeper.pid!) }));
    await expect(fileStore({ directory }).load()).rejects.toMatchObject({
      code: 'TELLTALE_NOTIFY_STORE_LOCKED',
      pid: sleeper.pid,
    });
    // The same pid, but started at another time: the owner died and the pid went to someone else.
    await writeFile(join(directory, 'lock.1'), JSON.stringify({ ...owner, startTime: '1' }));
    const store = fileStore({ directory });
    await store.load();
    expect(store.recovery()!.lockTakenOver).toMatchObject({ pid: sleeper.pid });
    await store.close();
    // Another boot's lock is stale whatever its pid.
    await writeFile(
      join(directory, 'lock.9'),
      JSON.stringify({ ...owner, startTime: startTimeOf(sleeper.pid!), bootId: 'other-boot' }),
    );
    const afterReboot = fileStore({ directory });
    await afterReboot.load();
    expect(afterReboot.recovery()!.lockTakenOver).toMatchObject({ pid: sleeper.pid });
    await afterReboot.close();
  });

  it('refuses a symbolic link in place of a lock', async () => {
    const directory = await tempDirectory();
    const target = join(await tempDirectory(), 'elsewhere');
    await writeFile(target, JSON.stringify({ pid: deadPid(), hostname: hostname() }));
    spawnSync('ln', ['-s', target, join(directory, 'lock.1')]);
    await expect(fileStore({ directory }).load()).rejects.toMatchObject({
      code: 'TELLTALE_NOTIFY_STORE_UNSAFE',
      details: { path: join(directory, 'lock.1') },
    });
  });
});

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const childScript = fileURLToPath(new URL('./fixtures/lock-child.ts', import.meta.url));
const PROCESSES = 10;
const TRIALS = 15;

interface Child {
  process: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
}

function startChild(): Child {
  const child = spawn(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', childScript], {
    cwd: repositoryRoot,
  });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  return {
    process: child,
    next: () => {
      const line = lines.shift();
      return line === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(line);
    },
  };
}

describe('fileStore lock: processes starting together on a stale lock', () => {
  const children: Child[] = [];
  beforeAll(() => {
    for (let index = 0; index < PROCESSES; index++) children.push(startChild());
  });
  afterAll(() => {
    for (const child of children) child.process.kill('SIGKILL');
  });

  it(`lets exactly one of ${PROCESSES} processes win, over ${TRIALS} trials`, { timeout: 120_000 }, async () => {
    const outcomes: string[][] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const directory = await tempDirectory();
      // Alternate the older single-file format and a generation, both left by a dead process.
      const stale = JSON.stringify({ pid: deadPid(), hostname: hostname(), instance: 'dead' });
      await writeFile(join(directory, trial % 2 === 0 ? 'lock' : 'lock.7'), stale);
      for (const child of children) child.process.stdin.write(`open ${directory}\n`);
      const results = await Promise.all(children.map((child) => child.next()));
      outcomes.push(results);
      for (const child of children) child.process.stdin.write('close\n');
      expect(await Promise.all(children.map((child) => child.next()))).toEqual(Array(PROCESSES).fill('closed'));
    }
    const winners = outcomes.map((results) => results.filter((result) => result === 'won').length);
    expect(winners).toEqual(Array(TRIALS).fill(1));
    expect(
      outcomes.flat().filter((result) => result !== 'won' && result !== 'locked TELLTALE_NOTIFY_STORE_LOCKED'),
    ).toEqual([]);
  });
});
