import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { CliIo } from '@telltale/core';
import { createHealthRegistry, type HealthStatus } from '@telltale/health';
import { healthHandler } from '@telltale/health/node';
import { runCli, type CliIo as HealthCliIo } from '../src/cli/run-cli.js';
import { listen } from './helpers.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serveStatus(status: HealthStatus): Promise<string> {
  const registry = createHealthRegistry({ meterProvider: false, releaseId: 'r9' });
  registry.register('postgres:responseTime', () => ({
    status,
    observedValue: 4,
    observedUnit: 'ms',
    output: `is ${status}`,
  }));
  registry.register('process', () => ({ status: 'pass' }));
  const server = await listen(healthHandler(registry));
  cleanups.push(
    () => server.close(),
    () => registry.close(),
  );
  return `${server.url}/health`;
}

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

describe('telltale-health', () => {
  it('exits 0 on pass, 1 on warn and 2 on fail, with a readable summary', async () => {
    const passing = await run(await serveStatus('pass'));
    expect(passing.code).toBe(0);
    expect(passing.stdout).toMatch(/^PASS {2}http:\/\/127\.0\.0\.1:\d+\/health {2}\(HTTP 200 in \d+ ms\)/);
    expect(passing.stdout).toContain('pass  postgres:responseTime');
    expect((await run(await serveStatus('warn'))).code).toBe(1);
    const failing = await run(await serveStatus('fail'));
    expect(failing.code).toBe(2);
    expect(failing.stdout).toMatch(/^FAIL .*HTTP 503/);
    expect(failing.stdout).toMatch(/\n {2}fail {2}postgres:responseTime +4 ms {2}is fail\n/);
  });

  it('prints the document with --json', async () => {
    const { code, stdout } = await run(await serveStatus('warn'), '--json');
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'warn', releaseId: 'r9' });
  });

  it('exits 2 when unreachable or too slow, naming the reason and redacting the URL', async () => {
    let authorization: string | undefined;
    const { url, close } = await listen((request) => {
      authorization = request.headers.authorization;
    });
    cleanups.push(close);
    const slow = await run(`${url.replace('http://', 'http://user:secret@')}/health`, '--timeout', '150ms');
    expect(slow.code).toBe(2);
    expect(slow.stdout).toContain('unreachable: no answer within 150ms');
    expect(slow.stdout).not.toContain('secret');
    expect(authorization).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`);
    const gone = await listen(() => {});
    await gone.close();
    const unreachable = await run(`${gone.url}/health`, '--json');
    expect(unreachable.code).toBe(2);
    expect(JSON.parse(unreachable.stdout)).toMatchObject({ status: 'fail', output: 'ECONNREFUSED' });
  });

  it('accepts a plain 200 unless --strict, and maps a plain 500 to 2', async () => {
    const { url, close } = await listen((request, response) => {
      response.statusCode = request.url === '/broken' ? 500 : 200;
      response.end('OK');
    });
    cleanups.push(close);
    expect((await run(`${url}/healthz`)).code).toBe(0);
    const strict = await run(`${url}/healthz`, '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('not an application/health+json document');
    expect((await run(`${url}/broken`)).code).toBe(2);
  });

  it('understands the draft status aliases (ok, up, down)', async () => {
    const { url, close } = await listen((request, response) => {
      response.setHeader('content-type', 'application/health+json');
      response.end(JSON.stringify({ status: request.url === '/down' ? 'down' : 'up' }));
    });
    cleanups.push(close);
    expect((await run(`${url}/up`, '--strict')).code).toBe(0);
    expect((await run(`${url}/down`)).code).toBe(2);
  });

  it('rejects bad usage with exit 2 and prints help with exit 0', async () => {
    expect((await run()).code).toBe(2);
    expect((await run('not a url')).code).toBe(2);
    expect((await run('http://x', '--timeout', 'soon')).stderr).toContain('--timeout');
    expect((await run('http://x', '--bogus')).code).toBe(2);
    const help = await run('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: telltale-health <url>');
  });

  it('runs as a process and sets the exit code', async () => {
    const url = await serveStatus('fail');
    const error = await new Promise<{ code?: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--conditions=@telltale/source', '--import', 'tsx', cli, url],
        { cwd: repositoryRoot },
        (failure, stdout) => resolve({ code: (failure as { code?: number } | null)?.code, stdout }),
      );
    });
    expect(error.code).toBe(2);
    expect(error.stdout).toMatch(/^FAIL/);
  });

  it('takes core’s CliIo, fetching through its fetch', async () => {
    expectTypeOf<HealthCliIo>().toEqualTypeOf<CliIo>();
    const asked: string[] = [];
    const io: CliIo = {
      stdout: () => {},
      stderr: () => {},
      fetch: (input) => {
        asked.push(typeof input === 'string' ? input : 'url' in input ? input.url : input.href);
        return Promise.resolve(
          new Response('{"status":"pass"}', { headers: { 'content-type': 'application/health+json' } }),
        );
      },
    };
    expect(await runCli(['http://127.0.0.1:9/health'], io)).toBe(0);
    expect(asked).toEqual(['http://127.0.0.1:9/health']);
  });
});
