import { once } from 'node:events';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { startTelemetry } from '@telltale/node';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnWithSources } from '../../../test-support/one-shot.js';
import { close, get, listen } from './support.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SECRETS = ['--db=postgres://app:hunter2@db/prod', '--api-key=sk_live_123'];

async function scrapeChild(detect?: object): Promise<string> {
  // The child inherits this environment at spawn time.
  if (detect !== undefined) process.env.DETECT = JSON.stringify(detect);
  const child = spawnWithSources(join(import.meta.dirname, 'fixtures', 'telemetry-child.ts'), SECRETS);
  delete process.env.DETECT;
  cleanups.push(() => void child.kill('SIGKILL'));
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  while (!output.includes('\n')) {
    await Promise.race([
      once(child.stdout, 'data'),
      once(child, 'exit').then(() => Promise.reject(new Error('child exited'))),
    ]);
  }
  return (await get(output.trim())).body;
}

describe('what /metrics publishes about the process', () => {
  it('leaves the command line and owner out of target_info by default', { timeout: 30_000 }, async () => {
    const body = await scrapeChild();
    const targetInfo = body.split('\n').find((line) => line.startsWith('target_info{'));
    expect(targetInfo).toContain('process_pid=');
    expect(targetInfo).toContain('process_runtime_name="nodejs"');
    expect(body).not.toContain('hunter2');
    expect(body).not.toContain('sk_live_123');
    expect(body).not.toContain('process_command_args');
    expect(body).not.toContain('process_owner');
  });

  it('publishes them when asked to', { timeout: 30_000 }, async () => {
    const body = await scrapeChild({ processCommandLine: true, processOwner: true });
    expect(body).toContain('sk_live_123');
    expect(body).toContain('process_owner=');
  });
});

describe('metrics access', () => {
  it('binds the separate metrics port to loopback by default', async () => {
    await using telemetry = startTelemetry({ serviceName: 'loopback', runtimeMetrics: false, prometheus: { port: 0 } });
    expect(await telemetry.metricsUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  });

  it('asks authorize on the separate port: 401 without credentials, 403 with wrong ones', async () => {
    await using telemetry = startTelemetry({
      serviceName: 'guarded',
      runtimeMetrics: false,
      prometheus: {
        port: 0,
        authorize: (request) => Promise.resolve(request.headers.authorization === 'Bearer scrape'),
      },
    });
    const url = (await telemetry.metricsUrl())!;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await anonymous.text()).not.toContain('target_info');
    expect((await fetch(url, { headers: { authorization: 'Bearer nope' } })).status).toBe(403);
    const allowed = await fetch(url, { headers: { authorization: 'Bearer scrape' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('target_info');
  });

  it('asks authorize in metricsHandler, and answers 500 without details when it throws', async () => {
    let mode: 'allow' | 'deny' | 'throw' = 'deny';
    await using telemetry = startTelemetry({
      serviceName: 'guarded-app',
      runtimeMetrics: false,
      prometheus: {
        authorize: () => {
          if (mode === 'throw') throw new Error('vault unreachable: secret-detail');
          return mode === 'allow';
        },
      },
    });
    const server = createServer(telemetry.metricsHandler);
    const url = await listen(server);
    cleanups.push(() => close(server));
    expect((await get(url)).status).toBe(401);
    mode = 'throw';
    const failed = await get(url);
    expect(failed.status).toBe(500);
    expect(failed.body).not.toContain('secret-detail');
    mode = 'allow';
    expect((await get(url)).body).toContain('target_info');
  });

  it('rejects a non-function authorize and bad detection options at construction', () => {
    expect(() => startTelemetry({ serviceName: 'x', prometheus: { authorize: 'yes' as never } })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'prometheus.authorize' }),
    );
    expect(() =>
      startTelemetry({ serviceName: 'x', autoDetectResources: { processCommandLine: 'yes' as never } }),
    ).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'autoDetectResources.processCommandLine' }));
  });
});
