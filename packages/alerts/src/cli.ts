import { readFile } from 'node:fs/promises';
import { loadRules } from './rules/load-rules.js';
import { testRules } from './tooling/test-rules.js';
import { exportPrometheusRules } from './tooling/export-rules.js';

const USAGE = `Usage: telltale-alerts <command> <files...>

Commands:
  check <rule-files...>   validate rule files (like promtool check rules)
  test <test-files...>    run promtool-style rule unit tests
  export <rule-file>      print the rules as a Prometheus rule file
`;

/** The `telltale-alerts` command line; returns the exit code. */
export async function runCli(
  args: readonly string[],
  output = process.stdout,
  errors = process.stderr,
): Promise<number> {
  const [command, ...files] = args;
  if (!command || command === '--help' || command === '-h' || files.length === 0) {
    (command === '--help' || command === '-h' ? output : errors).write(USAGE);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  let failed = false;
  switch (command) {
    case 'check':
      for (const file of files) {
        output.write(`Checking ${file}\n`);
        try {
          const rules = loadRules(await readFile(file, 'utf8'));
          const count = rules.groups.reduce((sum, group) => sum + group.rules.length, 0);
          output.write(`  SUCCESS: ${count} rules found\n\n`);
        } catch (error) {
          failed = true;
          errors.write(`  FAILED:\n${(error as Error).message}\n\n`);
        }
      }
      return failed ? 1 : 0;
    case 'test':
      for (const file of files) {
        const result = await testRules(file);
        output.write(result.output);
        if (!result.passed) failed = true;
      }
      return failed ? 1 : 0;
    case 'export':
      try {
        output.write(exportPrometheusRules(await readFile(files[0]!, 'utf8')));
        return 0;
      } catch (error) {
        errors.write(`${(error as Error).message}\n`);
        return 1;
      }
    default:
      errors.write(`Unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}
