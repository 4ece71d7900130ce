import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { join } from 'node:path';

/**
 * Starts a TypeScript script of this test folder in a child Node process that resolves workspace
 * packages to their sources (as vitest does), stdout piped, stderr inherited.
 */
export function spawnWithSources(script: string, args: readonly string[]): ChildProcessByStdio<null, Readable, null> {
  const environment = { ...process.env };
  delete environment.NODE_OPTIONS; // vitest's worker options do not belong in the child
  return spawn(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', script, ...args], {
    cwd: join(import.meta.dirname, '..', '..', '..', '..'),
    env: environment,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}
