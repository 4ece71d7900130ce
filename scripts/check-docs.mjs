#!/usr/bin/env node
// Checks the code blocks of the markdown docs (issue 11: "every code block in
// the docs is either extracted from a file that is type-checked in CI or
// executed by a docs test").
//
//   node scripts/check-docs.mjs                 every docs/**/*.md, examples/*/README.md and the
//                                               packages/*/README.md listed in CHECKED
//   node scripts/check-docs.mjs docs/x.md ...   only these files
//   --strict  also fail on files outside CHECKED     --keep  keep the generated files
//
// What is checked, per block language:
// - ts / typescript: type-checked with the workspace TypeScript, one program for
//   all blocks (each block is its own module). A fragment can get a hidden
//   prelude from an HTML comment right before the fence:
//     <!-- prelude: declare const pool: { query(sql: string): Promise<unknown> }; -->
// - yaml / yml: parses (with the `yaml` package @telltale/alerts depends on;
//   skipped with a notice if it cannot be resolved).
// - sh / bash / shell: `bash -n` (syntax only, nothing is executed).
// - json: JSON.parse.
// - any language: `<!-- source: path/to/file -->` right before the fence says
//   the block is an excerpt of that file; it must appear there verbatim (the
//   file itself is type-checked or tested in CI).
// Other languages (text, promql, ...) are not checked.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Pages whose blocks must pass today. The lead extends this list as the other
 * pages are fixed; the checker reports failures elsewhere without failing.
 */
export const CHECKED = [
  'docs/getting-started.md',
  'docs/operations/prometheus.md',
  'docs/operations/moving-rules-to-prometheus.md',
  'docs/operations/kubernetes.md',
  'docs/operations/notifier-store.md',
  'docs/resilience.md',
  'docs/stt.md',
  'docs/dashboard.md',
  'docs/errors.md',
  'examples/express-app/README.md',
  'examples/fleet/README.md',
  'packages/core/README.md',
  'packages/resilience/README.md',
  'packages/stt/README.md',
  'packages/dashboard/README.md',
  'docs/health.md',
  'docs/metrics.md',
  'docs/node.md',
  'docs/cli.md',
  'examples/fastify-app/README.md',
  'packages/health/README.md',
  'packages/metrics/README.md',
  'packages/node/README.md',
  'packages/cli/README.md',
  'docs/alerts.md',
  'docs/notify.md',
  'packages/alerts/README.md',
  'packages/notify/README.md',
  'docs/security.md',
  'docs/live.md',
  'docs/jobs.md',
  'packages/live/README.md',
  'packages/jobs/README.md',
  'docs/data-layer.md',
];

/** Workspace packages whose node_modules the generated blocks resolve imports through (first wins). */
const RESOLVE_FROM = [
  'examples/express-app',
  'examples/fastify-app',
  'examples/fleet',
  'packages/node',
  'packages/alerts',
  'packages/notify',
  'bench',
];

const TYPESCRIPT = new Set(['ts', 'typescript']);
const YAML = new Set(['yaml', 'yml']);
const SHELL = new Set(['sh', 'bash', 'shell']);

/**
 * @typedef {{ file: string, line: number, lang: string, code: string, prelude?: string, source?: string }} Block
 * @typedef {{ file: string, line: number, lang: string, message: string }} Failure
 */

/**
 * Extracts the fenced code blocks of a markdown text, with the directives of the
 * HTML comments right before each fence (`prelude:`, `source:`).
 * @param {string} markdown
 * @param {string} file path shown in messages
 * @returns {Block[]}
 */
export function extractBlocks(markdown, file) {
  const lines = markdown.split('\n');
  /** @type {Block[]} */
  const blocks = [];
  /** @type {{ prelude?: string, source?: string }} */
  let pending = {};
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const comment = /^\s*<!--\s*(prelude|source):([\s\S]*)$/.exec(line);
    if (comment) {
      // The comment may span lines until `-->`.
      let text = comment[2] ?? '';
      while (!text.includes('-->') && index + 1 < lines.length) text += `\n${lines[++index]}`;
      const value = text.slice(0, text.indexOf('-->')).trim();
      pending = { ...pending, [comment[1] === 'prelude' ? 'prelude' : 'source']: value };
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (!fence) {
      if (line.trim() !== '') pending = {};
      continue;
    }
    const [, indent = '', marker = '```', lang = ''] = fence;
    const start = index + 1;
    const body = [];
    for (index++; index < lines.length; index++) {
      const current = lines[index] ?? '';
      if (current.trim().startsWith(marker) && current.trim().replace(/[`~]/g, '') === '') break;
      body.push(current.startsWith(indent) ? current.slice(indent.length) : current);
    }
    blocks.push({ file, line: start, lang: lang.toLowerCase(), code: body.join('\n'), ...pending });
    pending = {};
  }
  return blocks;
}

/**
 * The default file list: docs/**\/*.md, examples/*\/README.md and the
 * packages/*\/README.md in CHECKED (the other package READMEs are still being written).
 * @param {string} [root]
 */
export function defaultFiles(root = ROOT) {
  /** @param {string} directory @returns {string[]} */
  const walk = (directory) =>
    readdirSync(join(root, directory), { withFileTypes: true }).flatMap((entry) => {
      const path = `${directory}/${entry.name}`;
      if (entry.isDirectory()) return walk(path);
      return entry.name.endsWith('.md') ? [path] : [];
    });
  const examples = readdirSync(join(root, 'examples'))
    .map((name) => `examples/${name}/README.md`)
    .filter((path) => existsSync(join(root, path)));
  const packages = readdirSync(join(root, 'packages'))
    .map((name) => `packages/${name}/README.md`)
    .filter((path) => CHECKED.includes(path) && existsSync(join(root, path)));
  return [...walk('docs'), ...examples, ...packages].sort();
}

/**
 * Checks the blocks of the given markdown files.
 * @param {{ files?: string[], root?: string, keep?: boolean }} [options]
 * @returns {{ blocks: Block[], checked: number, failures: Failure[], notices: string[] }}
 */
export function checkDocs(options = {}) {
  const root = options.root ?? ROOT;
  const files = options.files ?? defaultFiles(root);
  const blocks = files.flatMap((file) =>
    extractBlocks(readFileSync(resolve(root, file), 'utf8'), relative(root, resolve(root, file))),
  );
  /** @type {Failure[]} */
  const failures = [];
  /** @type {string[]} */
  const notices = [];
  let checked = 0;
  /**
   * Records a failure at a line of the block (1 = its first code line; 0 = the fence).
   * @param {Block} block @param {string} message @param {number} [line]
   */
  const fail = (block, message, line = 0) => {
    const within = Math.min(Math.max(line, 0), block.code.split('\n').length);
    failures.push({ file: block.file, line: block.line + within, lang: block.lang, message });
  };

  const parseYaml = loadYamlParser();
  if (!parseYaml && blocks.some((block) => YAML.has(block.lang) && !block.source)) {
    notices.push('yaml blocks not checked: the `yaml` package could not be resolved');
  }

  /** @type {Block[]} */
  const typescript = [];
  for (const block of blocks) {
    if (block.source) {
      checked++;
      const message = checkExcerpt(block, root);
      if (message) fail(block, message);
    } else if (TYPESCRIPT.has(block.lang)) {
      checked++;
      typescript.push(block);
    } else if (YAML.has(block.lang) && parseYaml) {
      checked++;
      try {
        parseYaml(block.code);
      } catch (error) {
        const line = /** @type {{ linePos?: { line: number }[] }} */ (error).linePos?.[0]?.line ?? 0;
        fail(block, `YAML does not parse: ${/** @type {Error} */ (error).message.split('\n')[0]}`, line);
      }
    } else if (SHELL.has(block.lang)) {
      checked++;
      const result = spawnSync('bash', ['-n', '-c', block.code], { encoding: 'utf8' });
      const line = Number(/line (\d+)/.exec(result.stderr)?.[1] ?? 0);
      if (result.status !== 0) fail(block, `shell syntax: ${result.stderr.trim()}`, line);
    } else if (block.lang === 'json') {
      checked++;
      try {
        JSON.parse(block.code);
      } catch (error) {
        fail(block, `JSON does not parse: ${/** @type {Error} */ (error).message}`);
      }
    }
  }
  failures.push(...typeCheck(typescript, root, options.keep ?? false));
  return { blocks, checked, failures, notices };
}

/**
 * `<!-- source: path -->`: the block's lines must appear contiguously in that
 * file (trailing spaces and a common indentation ignored).
 * @param {Block} block
 * @param {string} root
 * @returns {string | undefined} the failure message
 */
function checkExcerpt(block, root) {
  const path = resolve(root, /** @type {string} */ (block.source));
  if (!existsSync(path)) return `source file ${block.source} does not exist`;
  /** @param {string} text */
  const normalize = (text) => text.split('\n').map((line) => line.trimEnd());
  const wanted = normalize(block.code);
  while (wanted.length > 0 && wanted.at(-1) === '') wanted.pop();
  const haystack = normalize(readFileSync(path, 'utf8'));
  for (let start = 0; start + wanted.length <= haystack.length; start++) {
    const first = haystack[start] ?? '';
    const indent = first.length - first.trimStart().length;
    const wantedIndent = (wanted[0] ?? '').length - (wanted[0] ?? '').trimStart().length;
    const shift = indent - wantedIndent;
    if (
      shift >= 0 &&
      wanted.every((line, offset) => {
        const candidate = haystack[start + offset] ?? '';
        return line === '' ? candidate === '' : candidate === ' '.repeat(shift) + line;
      })
    ) {
      return undefined;
    }
  }
  return `block is not an excerpt of ${block.source} (the file changed? copy the lines again)`;
}

/** @returns {((text: string) => unknown) | undefined} */
function loadYamlParser() {
  try {
    // The root has no `yaml` dependency; @telltale/alerts does (to read rule files).
    const require = createRequire(join(ROOT, 'packages/alerts/package.json'));
    return /** @type {{ parse(text: string): unknown }} */ (require('yaml')).parse;
  } catch {
    return undefined;
  }
}

/**
 * Writes each block as a module under .tmp/docs-check/<run>/ and runs one tsc
 * over them. Imports resolve through a node_modules directory linking the
 * examples' dependencies (the workspace packages, express, fastify, ...).
 * @param {Block[]} blocks
 * @param {string} root
 * @param {boolean} keep
 * @returns {Failure[]}
 */
function typeCheck(blocks, root, keep) {
  if (blocks.length === 0) return [];
  const directory = join(root, '.tmp', 'docs-check', `run-${process.pid}-${Date.now()}`);
  mkdirSync(directory, { recursive: true });
  try {
    linkNodeModules(root, join(directory, 'node_modules'));
    /** @type {Map<string, { block: Block, preludeLines: number }>} */
    const byFile = new Map();
    const used = new Map();
    for (const block of blocks) {
      const stem = block.file.replace(/\.md$/, '').replace(/[^\w-]+/g, '_');
      const count = (used.get(stem) ?? 0) + 1;
      used.set(stem, count);
      const name = `${stem}-${count}.ts`;
      const prelude = block.prelude ? `${block.prelude}\n` : '';
      // `export {}` makes every block a module, so blocks don't share top-level names.
      writeFileSync(join(directory, name), `${prelude}${block.code}\nexport {};\n`);
      byFile.set(name, { block, preludeLines: prelude ? prelude.split('\n').length - 1 : 0 });
    }
    writeFileSync(
      join(directory, 'tsconfig.json'),
      JSON.stringify({
        extends: relative(directory, join(root, 'tsconfig.base.json')),
        compilerOptions: {
          noEmit: true,
          moduleDetection: 'force',
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
        },
        files: [...byFile.keys()],
      }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(directory, 'tsconfig.json'), '--pretty', 'false'], {
      cwd: directory,
      encoding: 'utf8',
    });
    /** @type {Failure[]} */
    const failures = [];
    let unattributed = 0;
    let current;
    for (const line of `${result.stdout}${result.stderr}`.split('\n')) {
      const match = /^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line);
      if (match) {
        const entry = byFile.get(basename(match[1] ?? ''));
        if (entry && dirname(resolve(directory, match[1] ?? '')) === directory) {
          const blockLine = Number(match[2]) - entry.preludeLines;
          current = {
            file: entry.block.file,
            // The block's first code line is the line after the fence.
            line: blockLine >= 1 ? entry.block.line + blockLine : entry.block.line,
            lang: entry.block.lang,
            message: blockLine >= 1 ? (match[4] ?? '') : `in the prelude: ${match[4] ?? ''}`,
          };
          failures.push(current);
        } else {
          // An error in a package's own source, not in a docs block: that is the package's typecheck's business.
          unattributed++;
          current = undefined;
        }
      } else if (current && line.startsWith('  ')) {
        current.message += `\n${line}`;
      } else if (line.startsWith('error TS')) {
        failures.push({ file: '(tsc)', line: 0, lang: 'ts', message: line });
      }
    }
    if (result.status !== 0 && failures.length === 0 && unattributed === 0) {
      failures.push({ file: '(tsc)', line: 0, lang: 'ts', message: `tsc failed: ${result.stderr || result.stdout}` });
    }
    return failures;
  } finally {
    if (!keep) rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * A node_modules directory whose entries link to the examples' dependencies
 * (scoped folders merged), so `@telltale/*`, express and fastify resolve from
 * the generated files with their package exports and the source condition.
 * @param {string} root
 * @param {string} target
 */
function linkNodeModules(root, target) {
  mkdirSync(target, { recursive: true });
  for (const workspace of RESOLVE_FROM) {
    const modules = join(root, workspace, 'node_modules');
    if (!existsSync(modules)) continue;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@')) {
        mkdirSync(join(target, entry), { recursive: true });
        for (const scoped of readdirSync(join(modules, entry))) {
          const link = join(target, entry, scoped);
          if (!existsSync(link)) symlinkSync(join(modules, entry, scoped), link, 'dir');
        }
      } else if (!existsSync(join(target, entry))) {
        symlinkSync(join(modules, entry), join(target, entry), 'dir');
      }
    }
  }
}

/**
 * @param {Failure[]} failures
 * @param {readonly string[]} [checkedFiles]
 */
export function splitByAllowlist(failures, checkedFiles = CHECKED) {
  const must = failures.filter((failure) => checkedFiles.includes(failure.file) || failure.file === '(tsc)');
  const others = failures.filter((failure) => !must.includes(failure));
  return { must, others };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const strict = args.includes('--strict');
  const keep = args.includes('--keep');
  const files = args.filter((arg) => !arg.startsWith('--'));
  const started = Date.now();
  const { blocks, checked, failures, notices } = checkDocs({ files: files.length > 0 ? files : undefined, keep });
  for (const notice of notices) console.log(`note: ${notice}`);
  const { must, others } = strict ? { must: failures, others: [] } : splitByAllowlist(failures);
  /** @param {Failure} failure */
  const show = (failure) => `${failure.file}:${failure.line} [${failure.lang}] ${failure.message}`;
  for (const failure of must) console.error(`FAIL ${show(failure)}`);
  for (const failure of others) console.log(`warn (not in CHECKED) ${show(failure)}`);
  console.log(
    `docs: ${checked}/${blocks.length} blocks checked in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `${must.length} failures${others.length > 0 ? `, ${others.length} more in pages outside CHECKED` : ''}`,
  );
  process.exit(must.length === 0 ? 0 : 1);
}
