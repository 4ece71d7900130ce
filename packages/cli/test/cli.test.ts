import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, runCli } from '@telltale/cli';
import { run, serve } from './support.js';

describe('telltale', () => {
  it('prints the overview with --help and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: telltale <command>');
    for (const command of ['health <url>', 'report <metrics-url>', 'rules check|test|export', 'stt compare <dir>']) {
      expect(result.stdout).toContain(command);
    }
  });

  it('prints each command usage with --help', async () => {
    for (const [command, usage] of [
      ['health', 'Usage: telltale health'],
      ['report', 'Usage: telltale report'],
      ['rules', 'Usage: telltale rules'],
      ['stt', 'Usage: telltale stt compare'],
    ] as const) {
      const result = await run([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(usage);
      expect(result.stdout).toContain('--json');
    }
  });

  it('exits 64 without a command or with an unknown one', async () => {
    expect(EXIT_CODES.usage).toBe(64);
    const none = await run([]);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('Usage: telltale');
    const unknown = await run(['deploy']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('unknown command "deploy"');
  });

  it('runs programmatically as the README shows', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/health+json' }).end('{"status":"warn"}');
    });
    const healthUrl = `${server.url}/health/ready`;
    try {
      // README excerpt (packages/cli/README.md, "Programmatic use"):
      let output = '';
      const code = await runCli(['health', healthUrl, '--json'], {
        stdout: (text) => void (output += text),
        stderr: (text) => void process.stderr.write(text),
      });
      const { status } = JSON.parse(output) as { status: 'pass' | 'warn' | 'fail' };
      // code is 1 here: the service answered "warn"
      expect(code).toBe(1);
      expect(status).toBe('warn');
    } finally {
      await server.close();
    }
  });

  it('runs as the telltale executable and sets the exit code', () => {
    const environment = { ...process.env };
    delete environment.NODE_OPTIONS;
    const bin = join(import.meta.dirname, '..', 'src', 'bin.ts');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', bin, ...args], {
        cwd: join(import.meta.dirname, '..'),
        encoding: 'utf8',
        env: environment,
        timeout: 30_000,
      });
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: telltale <command>');
    expect(run('rules').status).toBe(64);
  });
});
