#!/usr/bin/env node
// Consumer smoke test: packs every public package, installs the tarballs into
// a scratch project outside the workspace with npm, and loads every entry
// point with ESM `import` and CommonJS `require`. A broken `exports` map or a
// file missing from `files` fails here, as it would for a user.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'telltale-consumer-'));
const tarballs = join(scratch, 'tarballs');
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

const files = {};
for (const { dir, manifest } of packages) {
  const output = run('pnpm', ['pack', '--pack-destination', tarballs], dir).trim().split('\n');
  const tarball = output.at(-1).trim();
  files[manifest.name] = `file:${tarball.startsWith('/') ? tarball : join(tarballs, tarball)}`;
}

// Optional framework peers are installed so that adapter entry points load.
const consumer = {
  name: 'telltale-consumer-smoke',
  private: true,
  dependencies: {
    ...files,
    express: '^5.1.0',
    fastify: '^5.0.0',
    '@opentelemetry/api': '~1.9.0',
    // Optional backend peers, so the /redis and /bullmq entry points load.
    bullmq: '6.7.0',
    ioredis: '5.11.1',
  },
  overrides: files,
};
writeFileSync(join(scratch, 'package.json'), JSON.stringify(consumer, null, 2));
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], scratch);

const specifiers = [];
// Entry points a package declares as side effects (e.g. `@telltale/node/register`, loaded with
// `node --import`): they must load, but are not expected to export anything.
const sideEffectOnly = new Set();
const bins = [];
for (const { manifest } of packages) {
  const sideEffects = Array.isArray(manifest.sideEffects) ? manifest.sideEffects : [];
  for (const [key, target] of Object.entries(manifest.exports ?? {})) {
    if (key.endsWith('package.json')) continue;
    const specifier = key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`;
    specifiers.push(specifier);
    if (typeof target === 'object' && sideEffects.includes(target.default)) sideEffectOnly.add(specifier);
  }
  for (const [name, file] of Object.entries(
    typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {}),
  )) {
    bins.push({ name, path: join(scratch, 'node_modules', manifest.name, file) });
  }
}

const check = (binding, specifier) =>
  sideEffectOnly.has(specifier)
    ? ''
    : `if (Object.keys(${binding}).length === 0) throw new Error(${JSON.stringify(`${specifier} has no exports`)});`;
writeFileSync(
  join(scratch, 'esm.mjs'),
  specifiers
    .map((s, i) => {
      // JSON entry points (e.g. a shipped JSON Schema) need an import attribute in ESM.
      const attributes = s.endsWith('.json') ? ", { with: { type: 'json' } }" : '';
      return `const m${i} = await import(${JSON.stringify(s)}${attributes}); ${check(`m${i}`, s)}`;
    })
    .join('\n') + `\nconsole.log('esm ok');\n`,
);
writeFileSync(
  join(scratch, 'cjs.cjs'),
  specifiers.map((s, i) => `const m${i} = require(${JSON.stringify(s)}); ${check(`m${i}`, s)}`).join('\n') +
    `\nconsole.log('cjs ok');\n`,
);

let failures = 0;
for (const [label, file] of [
  ['ESM import', 'esm.mjs'],
  ['CommonJS require', 'cjs.cjs'],
]) {
  try {
    run(process.execPath, ['--no-warnings', file], scratch);
    console.log(`consumer smoke: ${label} of ${specifiers.length} entry points: ok`);
  } catch {
    failures++;
    console.error(`consumer smoke: ${label} FAILED`);
  }
}
for (const bin of bins) {
  try {
    run(process.execPath, ['--check', bin.path], scratch);
    console.log(`consumer smoke: bin ${bin.name}: ok`);
  } catch {
    failures++;
    console.error(`consumer smoke: bin ${bin.name} missing or broken (${bin.path})`);
  }
}
if (failures === 0) rmSync(scratch, { recursive: true, force: true });
else console.error(`scratch project kept at ${scratch}`);
process.exit(failures === 0 ? 0 : 1);
