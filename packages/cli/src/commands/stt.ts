import { stat } from 'node:fs/promises';
import { runCli as runSttCli } from '@telltale/stt';
import { EXIT_CODES } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { parseCommandLine, UsageError } from '../usage-error.js';

export const STT_USAGE = `Usage: telltale stt compare <dir> [--providers a,b] [--language en] [--json]

Transcribes every audio file in <dir> that has a .txt reference beside it with each provider
and prints WER, latency p50/p95, real-time factor and failure rate per provider
(delegates to @telltale/stt's compareProviders).
Providers: pocketsphinx (local), openai (OPENAI_API_KEY), deepgram (DEEPGRAM_API_KEY),
google (GOOGLE_API_KEY), assemblyai (ASSEMBLYAI_API_KEY). Default: every configured one.
Base URLs: OPENAI_BASE_URL, DEEPGRAM_BASE_URL, GOOGLE_SPEECH_BASE_URL, ASSEMBLYAI_BASE_URL.

Exit codes: 0 ok, 1 every provider failed every file, 2 no provider, no readable dataset,
64 bad usage.

Options
  --providers <list>  comma-separated provider names
  --language <code>   language hint (e.g. en)
  --json              print the per-provider results as JSON
  --help              show this help
`;

/** `telltale stt compare <dir>`: validates the command line, then runs `@telltale/stt`'s CLI. */
export async function sttCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    providers: { type: 'string' },
    language: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const [action, directory, ...extra] = positionals;
  if (action !== 'compare') throw new UsageError(`unknown stt action "${action ?? ''}" (expected compare)`);
  if (directory === undefined || extra.length > 0) throw new UsageError('stt compare takes exactly one directory');
  if (values.providers !== undefined && values.providers.split(',').filter(Boolean).length === 0) {
    throw new UsageError('--providers needs at least one provider name');
  }
  const isDirectory = await stat(directory).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isDirectory) {
    io.stderr(`telltale stt compare: ${directory} is not a readable directory\n`);
    return EXIT_CODES.unreachable;
  }
  const forwarded = ['compare', directory];
  if (values.providers !== undefined) forwarded.push('--providers', values.providers);
  if (values.language !== undefined) forwarded.push('--language', values.language);
  if (values.json) forwarded.push('--json');
  return runSttCli(forwarded, { stdout: io.stdout, stderr: io.stderr, env: io.env ?? process.env });
}
