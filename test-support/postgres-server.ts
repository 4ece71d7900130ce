import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.js';

const run = promisify(execFile);

/** Where Debian's `postgresql-15` puts its server binaries (they are not on PATH). */
const BIN = process.env.TELLTALE_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL cluster started by a test. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, no password). */
  readonly url: string;
  readonly port: number;
  /** Stops the server (`pg_ctl stop -m immediate`, like a crash); `start()` brings it back with its data. */
  stop(): Promise<void>;
  /** Starts the server again on the same port after `stop()`. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/**
 * `undefined` when the PostgreSQL server binaries are present, else a one-line
 * skip reason. With TELLTALE_REQUIRE_PEERS=1 a missing binary throws instead,
 * as `missingPeer()` does for binaries on PATH.
 *
 * @example
 *   const missing = missingPostgres();
 *   describe.skipIf(missing)('against PostgreSQL', () => { ... });
 */
export function missingPostgres(): string | undefined {
  const absent = ['initdb', 'pg_ctl', 'postgres'].filter((binary) => !existsSync(join(BIN, binary)));
  if (absent.length === 0) return undefined;
  if (process.env.TELLTALE_REQUIRE_PEERS === '1') {
    throw new Error(`TELLTALE_REQUIRE_PEERS=1 but ${absent.join(', ')} is missing from ${BIN}`);
  }
  const reason = `skipped: PostgreSQL ${absent.join(', ')} not in ${BIN} (apt-get install postgresql; .ci/run does)`;
  console.warn(reason);
  return reason;
}

/** Root cannot run the server: run the binaries as the `postgres` user, otherwise as ourselves. */
function asServerUser(binary: string, args: readonly string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ['runuser', ['-u', 'postgres', '--', join(BIN, binary), ...args]];
  return [join(BIN, binary), [...args]];
}

function serverUserIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const read = (flag: string): number =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: read('-u'), gid: read('-g') };
}

async function runAsServerUser(binary: string, args: readonly string[]): Promise<void> {
  const [command, commandArgs] = asServerUser(binary, args);
  try {
    await run(command, commandArgs, { timeout: 60_000 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${binary} failed: ${(stderr || stdout || String(error)).trim()}`, { cause: error });
  }
}

/**
 * Creates a cluster with `initdb` in a temp directory (as the `postgres` user
 * when we are root), then runs it with `pg_ctl` on a random loopback port, its
 * unix socket inside that directory, trust authentication and no fsync.
 * Guard the suite with {@link missingPostgres}.
 *
 * @example
 *   const postgres = await startPostgresServer();
 *   afterAll(() => postgres.close());
 *   const pool = new pg.Pool({ connectionString: postgres.url });
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const directory = mkdtempSync(join(tmpdir(), 'telltale-postgres-'));
  const ids = serverUserIds();
  if (ids) chownSync(directory, ids.uid, ids.gid);
  const data = join(directory, 'data');
  const port = await freePort();
  await runAsServerUser('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);

  const serverOptions = `-p ${port} -h 127.0.0.1 -k ${directory} -c fsync=off -c full_page_writes=off`;
  const pgCtl = (...args: string[]): string[] => ['-D', data, '-l', join(directory, 'server.log'), ...args];
  let running = false;
  // A test that dies before close() must not leave a postmaster behind.
  const stopOnExit = (): void => {
    if (!running) return;
    const [command, args] = asServerUser('pg_ctl', pgCtl('stop', '-m', 'immediate', '-w'));
    spawnSync(command, args, { stdio: 'ignore' });
  };
  process.once('exit', stopOnExit);

  const start = async (): Promise<void> => {
    await runAsServerUser('pg_ctl', pgCtl('start', '-w', '-t', '60', '-o', serverOptions));
    running = true;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    running = false;
    await runAsServerUser('pg_ctl', pgCtl('stop', '-m', 'immediate', '-w'));
  };

  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async close() {
      await stop();
      process.removeListener('exit', stopOnExit);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
