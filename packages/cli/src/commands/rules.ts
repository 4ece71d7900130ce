import { readFile } from 'node:fs/promises';
import { exportPrometheusRules, loadRules, testRules } from '@telltale/alerts';
import { describeError } from '@telltale/core';
import { EXIT_CODES } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { parseCommandLine, UsageError } from '../usage-error.js';

export const RULES_USAGE = `Usage: telltale rules <check|test|export> <file...> [--json]

  check <rule-files...>   validate rule files (like promtool check rules)
  test <test-files...>    run promtool-style rule unit tests
  export <rule-file>      print the rules as a Prometheus rule file (YAML)

Exit codes: 0 ok, 1 invalid rules or failing tests, 2 unreadable file, 64 bad usage.

Options
  --json   print the results as JSON
  --help   show this help
`;

const message = (error: unknown) => describeError(error);

/** A file that cannot be read: exit 2, not a rule failure. */
async function readText(file: string): Promise<string | { unreadable: string }> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    return { unreadable: message(error) };
  }
}

/** `telltale rules check|test|export`. */
export async function rulesCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, { json: { type: 'boolean', default: false } });
  const [action, ...files] = positionals;
  if (action === undefined) throw new UsageError('missing the rules action (check, test or export)');
  if (files.length === 0) throw new UsageError(`rules ${action} needs at least one file`);
  switch (action) {
    case 'check':
      return check(files, values.json, io);
    case 'test':
      return test(files, values.json, io);
    case 'export':
      if (files.length !== 1) throw new UsageError('rules export takes exactly one rule file');
      return exportRules(files[0]!, values.json, io);
    default:
      throw new UsageError(`unknown rules action "${action}" (expected check, test or export)`);
  }
}

async function check(files: readonly string[], json: boolean, io: CliIo): Promise<number> {
  let exit: number = EXIT_CODES.ok;
  const results = [];
  for (const file of files) {
    const text = await readText(file);
    if (typeof text !== 'string') {
      exit = EXIT_CODES.unreachable;
      results.push({ file, valid: false, error: text.unreadable });
      if (!json) io.stderr(`Checking ${file}\n  FAILED: cannot read: ${text.unreadable}\n\n`);
      continue;
    }
    try {
      const rules = loadRules(text);
      const count = rules.groups.reduce((sum, group) => sum + group.rules.length, 0);
      results.push({ file, valid: true, groups: rules.groups.length, rules: count });
      if (!json) io.stdout(`Checking ${file}\n  SUCCESS: ${count} rules found\n\n`);
    } catch (error) {
      if (exit === EXIT_CODES.ok) exit = EXIT_CODES.failures;
      results.push({ file, valid: false, error: message(error) });
      if (!json) io.stderr(`Checking ${file}\n  FAILED:\n${message(error)}\n\n`);
    }
  }
  if (json) io.stdout(`${JSON.stringify(results, null, 2)}\n`);
  return exit;
}

async function test(files: readonly string[], json: boolean, io: CliIo): Promise<number> {
  let exit: number = EXIT_CODES.ok;
  const results = [];
  for (const file of files) {
    const readable = await readText(file);
    if (typeof readable !== 'string') {
      exit = EXIT_CODES.unreachable;
      results.push({ file, passed: false, failures: [`cannot read: ${readable.unreadable}`] });
      if (!json) io.stderr(`Unit Testing:  ${file}\n  FAILED: cannot read: ${readable.unreadable}\n\n`);
      continue;
    }
    const result = await testRules(file);
    if (!result.passed && exit === EXIT_CODES.ok) exit = EXIT_CODES.failures;
    results.push({ file, passed: result.passed, failures: result.failures.map((failure) => failure.trim()) });
    if (!json) io.stdout(result.output);
  }
  if (json) io.stdout(`${JSON.stringify(results, null, 2)}\n`);
  return exit;
}

async function exportRules(file: string, json: boolean, io: CliIo): Promise<number> {
  const text = await readText(file);
  if (typeof text !== 'string') {
    io.stderr(`telltale rules export: cannot read ${file}: ${text.unreadable}\n`);
    return EXIT_CODES.unreachable;
  }
  let exported: string;
  try {
    exported = exportPrometheusRules(text);
  } catch (error) {
    io.stderr(`telltale rules export: ${file}: ${message(error)}\n`);
    return EXIT_CODES.failures;
  }
  io.stdout(json ? `${JSON.stringify({ file, prometheusRules: exported }, null, 2)}\n` : exported);
  return EXIT_CODES.ok;
}
