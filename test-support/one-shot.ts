import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** Node flags that make a child resolve workspace packages to their TypeScript sources, as vitest does. */
const SOURCE_FLAGS = ['--conditions=@telltale/source', '--import', 'tsx'];

/** The parent's environment without vitest's worker options, which do not belong in a child. */
function childEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const environment = { ...process.env, ...extra };
  delete environment.NODE_OPTIONS;
  return environment;
}

/**
 * Starts a TypeScript or JavaScript script in a child Node process that resolves workspace
 * packages to their sources, stdout piped, stderr inherited. For long-lived children a test
 * talks to (restart and crash tests); one-shot scripts use {@link runOneShot}.
 */
export function spawnWithSources(script: string, args: readonly string[]): ChildProcessByStdio<null, Readable, null> {
  return spawn(process.execPath, [...SOURCE_FLAGS, script, ...args], {
    cwd: root,
    env: childEnvironment(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Options for {@link runOneShot}. */
export interface OneShotOptions {
  /** Workspace package the script lives in (`'resilience'`), so `@telltale/*` imports resolve as for a user of it. */
  package: string;
  /** SIGKILL the child after this long (default 15 s); the result then says `timedOut`. */
  timeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** How a one-shot child ended. */
export interface OneShotResult {
  /** Exit code; 13 means Node found an unsettled top-level await with nothing left to run. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The child was killed after `timeoutMs`. */
  timedOut: boolean;
}

/**
 * Runs `source` (an ESM script using top-level await) as a bare one-shot `node` process: no
 * vitest, no server, no handles other than its own. The script is written under
 * `packages/<package>/.tmp/` (git-ignored) so it imports workspace packages by name; the only
 * loader is tsx, needed because the sources are TypeScript.
 *
 * A script whose awaited work depends only on unref'ed timers exits with code 13 and prints
 * nothing: tests assert `code === 0` and the printed result.
 */
export async function runOneShot(source: string, options: OneShotOptions): Promise<OneShotResult> {
  const base = join(root, 'packages', options.package, '.tmp');
  mkdirSync(base, { recursive: true });
  const directory = mkdtempSync(join(base, 'one-shot-'));
  const script = join(directory, 'script.mjs');
  writeFileSync(script, source);
  try {
    return await new Promise<OneShotResult>((resolve, reject) => {
      const child = spawn(process.execPath, [...SOURCE_FLAGS, script], {
        cwd: directory,
        env: childEnvironment(options.env),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs ?? 15_000);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr, timedOut });
      });
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
