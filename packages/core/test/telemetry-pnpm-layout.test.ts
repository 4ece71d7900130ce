// The telemetry kit lives in @telltale/core, but @opentelemetry/api is an optional peer of each
// package, not of core. Under pnpm's strict layout only the package that declares the peer can
// resolve it, so the kit must load the API through the package's own `require`. This installs
// packed @telltale/core and @telltale/health into scratch projects the pnpm way (isolated
// node_modules, peers not auto-installed) and checks both sides: with the peer installed the
// package records real instruments; without it the package runs on the no-op and nothing throws.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'telltale-telemetry-layout-'));
const PACKAGES = ['core', 'health'] as const;
const tarballs: Record<string, string> = {};

async function pack(name: (typeof PACKAGES)[number]): Promise<void> {
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', join(scratch, 'tarballs')], {
    cwd: join(root, 'packages', name),
  });
  const tarball = stdout.trim().split('\n').at(-1)!.trim();
  tarballs[`@telltale/${name}`] = `file:${tarball.startsWith('/') ? tarball : join(scratch, 'tarballs', tarball)}`;
}

/**
 * Creates a pnpm workspace whose `app` package depends on the tarballs (and `extra`), installs
 * it, returns the app's folder. A workspace, as most pnpm users have: the virtual store sits at
 * the workspace root, the app's dependencies are linked into `app/node_modules` only.
 */
async function project(name: string, extra: Record<string, string>, npmrc = ''): Promise<string> {
  const dir = join(scratch, name);
  const app = join(dir, 'app');
  mkdirSync(app, { recursive: true });
  const workspace = {
    name,
    private: true,
    // The packed health depends on @telltale/core@^0.1.0: point that at the packed core.
    pnpm: { overrides: { '@telltale/core': tarballs['@telltale/core'] } },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(workspace, null, 2));
  writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'packages:\n  - app\n');
  // Isolated layout, and an optional peer is not installed for you.
  writeFileSync(join(dir, '.npmrc'), `node-linker=isolated\nauto-install-peers=false\n${npmrc}`);
  const dependencies = { '@telltale/health': tarballs['@telltale/health'], ...extra };
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module', dependencies }),
  );
  await run('pnpm', ['install', '--no-frozen-lockfile', '--prefer-offline', '--ignore-scripts', '--reporter=silent'], {
    cwd: dir,
  });
  return app;
}

// Run in the scratch project: where core sits, whether core could resolve the API itself, and
// what a health registry records through the package's default (global) meter provider.
const PROBE = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const corePath = require.resolve('@telltale/core', { paths: [require.resolve('@telltale/health')] });
const tryApi = (from) => { try { createRequire(from)('@opentelemetry/api'); return 'resolved'; } catch (error) { return error.code; } };
const fromCore = tryApi(corePath);
const fromHealth = tryApi(require.resolve('@telltale/health'));
let collected = null;
let reader;
try {
  const { metrics } = await import('@opentelemetry/api');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  class Reader extends MetricReader { onForceFlush() { return Promise.resolve(); } onShutdown() { return Promise.resolve(); } }
  reader = new Reader();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
} catch (error) {
  if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
}
const { createHealthRegistry, pingCheck } = await import('@telltale/health');
const registry = createHealthRegistry({ defaultTimeout: '1s' });
registry.register('db', pingCheck(() => true));
const report = await registry.run();
if (reader) {
  const { resourceMetrics } = await reader.collect();
  collected = resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.map((metric) => ({ scope: scope.scope.name, name: metric.descriptor.name, points: metric.dataPoints.length })));
}
await registry.close?.();
console.log(JSON.stringify({ corePath, fromCore, fromHealth, status: report.status, collected }));
`;

interface ProbeResult {
  corePath: string;
  fromCore: string;
  fromHealth: string;
  status: string;
  collected: { scope: string; name: string; points: number }[] | null;
}

async function probe(dir: string): Promise<ProbeResult> {
  writeFileSync(join(dir, 'probe.mjs'), PROBE);
  // pnpm's bin shims put the workspace's hoisted store on NODE_PATH, which a user's process lacks.
  const { NODE_PATH: _, ...env } = process.env;
  const { stdout } = await run(process.execPath, ['probe.mjs'], { cwd: dir, env });
  return JSON.parse(stdout) as ProbeResult;
}

describe('telemetry peer resolution under pnpm’s strict layout (packed packages)', () => {
  let strict: string;
  let hoisted: string;
  let withoutApi: string;

  beforeAll(async () => {
    // The same build CI runs before its tests; the tarballs are what npm users would get.
    await run('pnpm', ['--filter', '@telltale/core', '--filter', '@telltale/health', 'build'], { cwd: root });
    for (const name of PACKAGES) await pack(name);
    const api = { '@opentelemetry/api': '1.9.1', '@opentelemetry/sdk-metrics': '2.12.1' };
    // hoist=false is pnpm's strict layout: nothing reaches a package but its declared dependencies
    // and peers. pnpm's default also hoists every package into node_modules/.pnpm/node_modules,
    // which happens to let core see the API; the kit must not depend on that.
    strict = await project('with-api-strict', api, 'hoist=false\n');
    hoisted = await project('with-api-default-hoisting', api);
    withoutApi = await project('without-api', {});
  }, 240_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('records real instruments when the package’s peer is installed, although core cannot resolve it', async () => {
    const result = await probe(strict);
    // The premise: core is in pnpm's virtual store and cannot see the API itself.
    expect(result.corePath).toContain(`${join('node_modules', '.pnpm')}`);
    expect(result.fromCore).toBe('MODULE_NOT_FOUND');
    expect(result.fromHealth).toBe('resolved');
    expect(result.status).toBe('pass');
    expect(result.collected).toEqual(
      expect.arrayContaining([
        { scope: '@telltale/health', name: 'telltale.health.check.duration', points: 1 },
        { scope: '@telltale/health', name: 'telltale.health.status', points: 3 },
      ]),
    );
  }, 60_000);

  it('records the same under pnpm’s default hoisting', async () => {
    const result = await probe(hoisted);
    expect(result.fromHealth).toBe('resolved');
    expect(result.collected).toEqual(
      expect.arrayContaining([{ scope: '@telltale/health', name: 'telltale.health.check.duration', points: 1 }]),
    );
  }, 60_000);

  it('runs on the no-op meter without throwing when the peer is not installed', async () => {
    const result = await probe(withoutApi);
    expect(result.fromCore).toBe('MODULE_NOT_FOUND');
    expect(result.fromHealth).toBe('MODULE_NOT_FOUND');
    expect(result.status).toBe('pass');
    expect(result.collected).toBeNull();
  }, 60_000);
});
