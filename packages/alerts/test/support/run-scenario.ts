import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs a scenario script in a plain Node child process and parses its JSON
 * output. The root vitest config passes `--conditions module` to Node, which
 * makes `@opentelemetry/api` resolve to its extensionless ESM build that Node
 * cannot load, so OTel SDK scenarios run outside the vitest worker.
 */
export function runScenario(name: string): Record<string, unknown> {
  const root = join(import.meta.dirname, '..', '..', '..', '..');
  const environment = { ...process.env };
  delete environment.NODE_OPTIONS;
  const run = spawnSync(
    process.execPath,
    ['--conditions=@telltale/source', '--import', 'tsx', join(import.meta.dirname, name)],
    {
      cwd: root,
      encoding: 'utf8',
      env: environment,
      timeout: 60_000,
    },
  );
  if (run.status !== 0) throw new Error(`scenario ${name} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}
