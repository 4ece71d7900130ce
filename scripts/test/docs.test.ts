import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECKED, ROOT, checkDocs, defaultFiles, extractBlocks } from '../check-docs.mjs';

const fence = '```';

describe('extractBlocks', () => {
  it('finds fenced blocks with their language, first line and directives', () => {
    const markdown = [
      '# Title',
      '',
      '<!-- prelude: declare const pool: { query(sql: string): Promise<unknown> }; -->',
      '',
      `${fence}ts`,
      "await pool.query('select 1');",
      fence,
      '',
      'Text between resets nothing for the next block without a directive.',
      '',
      `${fence}sh`,
      'echo hi',
      fence,
      '',
      '1. A list item:',
      '',
      '   <!-- source: examples/fleet/src/fleet.ts -->',
      '',
      `   ${fence}ts`,
      '   const a = 1;',
      `   ${fence}`,
      '',
      '<!-- prelude:',
      'declare const a: number;',
      'declare const b: number; -->',
      `${fence}typescript`,
      'a + b;',
      fence,
    ].join('\n');
    const blocks = extractBlocks(markdown, 'x.md');
    expect(blocks).toEqual([
      {
        file: 'x.md',
        line: 5,
        lang: 'ts',
        code: "await pool.query('select 1');",
        prelude: 'declare const pool: { query(sql: string): Promise<unknown> };',
      },
      { file: 'x.md', line: 11, lang: 'sh', code: 'echo hi' },
      { file: 'x.md', line: 19, lang: 'ts', code: 'const a = 1;', source: 'examples/fleet/src/fleet.ts' },
      {
        file: 'x.md',
        line: 26,
        lang: 'typescript',
        code: 'a + b;',
        prelude: 'declare const a: number;\ndeclare const b: number;',
      },
    ]);
  });

  it('does not carry a directive past text to a later block', () => {
    const blocks = extractBlocks(
      ['<!-- prelude: declare const x: 1; -->', 'Some text.', '', `${fence}ts`, 'x;', fence].join('\n'),
      'y.md',
    );
    expect(blocks[0]?.prelude).toBeUndefined();
  });
});

describe('defaultFiles', () => {
  it('lists the docs, the examples and only the package READMEs in CHECKED', () => {
    const files = defaultFiles();
    expect(files).toContain('docs/getting-started.md');
    expect(files).toContain('examples/fleet/README.md');
    const packages = files.filter((file) => file.startsWith('packages/'));
    expect(packages.length).toBeGreaterThan(0);
    expect(packages.filter((file) => !CHECKED.includes(file))).toEqual([]);
    expect(CHECKED.filter((file) => file.startsWith('packages/') && !files.includes(file))).toEqual([]);
  });
});

describe('checkDocs', () => {
  const fixtures = join(ROOT, '.tmp', 'docs-check-fixtures', String(process.pid));
  afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

  it('passes every page in CHECKED and catches each kind of broken block', () => {
    mkdirSync(fixtures, { recursive: true });
    const broken = join(fixtures, 'broken.md');
    writeFileSync(
      broken,
      [
        `${fence}ts`, // line 1
        "import { createHealthRegistry } from '@telltale/health';",
        "createHealthRegistry({ shutdownDelay: '5s' }).register('x', 42);", // line 3: not a HealthCheck
        fence,
        '<!-- prelude: declare const pool: { end(): Promise<void> }; -->',
        `${fence}ts`, // line 6: fine thanks to the prelude
        'await pool.end();',
        fence,
        `${fence}ts`, // line 9: the same fragment without a prelude fails
        'await pool.end();',
        fence,
        `${fence}yaml`, // line 12
        'groups: [unclosed',
        fence,
        `${fence}sh`, // line 15
        'echo ok )',
        fence,
        '<!-- source: examples/fleet/src/configs.ts -->',
        `${fence}ts`, // line 19: not in that file
        'export function notThere() {}',
        fence,
        '<!-- source: examples/fleet/src/configs.ts -->',
        `${fence}yaml`, // line 23: an excerpt of the file, indented less: fine
        'webhook_configs:',
        '  - url: ${JSON.stringify(options.webhookUrl)}',
        fence,
      ].join('\n'),
    );
    const brokenFile = relative(ROOT, broken);

    const { failures, checked, blocks } = checkDocs({ files: [...CHECKED, brokenFile] });

    expect(failures.filter((failure) => failure.file !== brokenFile)).toEqual([]);
    // Every page has blocks and every ts/yaml/sh block of them was checked.
    for (const file of CHECKED) expect(blocks.some((block) => block.file === file)).toBe(true);
    const checkable = blocks.filter(
      (block) => block.source || ['ts', 'typescript', 'yaml', 'yml', 'sh', 'bash', 'json'].includes(block.lang),
    );
    expect(checked).toBe(checkable.length);

    const lines = [...new Set(failures.filter((failure) => failure.file === brokenFile).map((f) => f.line))];
    expect(lines.sort((a, b) => a - b)).toEqual([3, 10, 13, 16, 19]);
    const message = (line: number) => failures.find((f) => f.file === brokenFile && f.line === line)?.message;
    expect(message(3)).toMatch(/^TS\d+/);
    expect(message(10)).toMatch(/Cannot find name 'pool'/);
    expect(message(13)).toMatch(/YAML does not parse/);
    expect(message(16)).toMatch(/shell syntax/);
    expect(message(19)).toMatch(/not an excerpt of examples\/fleet\/src\/configs\.ts/);
  }, 120_000);
});
