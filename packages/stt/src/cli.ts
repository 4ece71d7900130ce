import { spawnSync } from 'node:child_process';
import { describeError, processIo, type CliIo } from '@telltale/core';
import { compareProviders, formatComparison, loadDataset } from './compare.js';
import { assemblyAiProvider } from './providers/assemblyai.js';
import { deepgramProvider } from './providers/deepgram.js';
import { googleSpeechProvider } from './providers/google.js';
import { openaiProvider } from './providers/openai.js';
import { pocketsphinxProvider } from './providers/pocketsphinx.js';
import type { SttProvider } from './types.js';

/** Where the CLI writes, and the environment it reads (`env`, default `process.env`): core's one `CliIo`. */
export type { CliIo } from '@telltale/core';

const USAGE = `Usage: telltale-stt compare <dir> [--providers a,b] [--language en] [--json]

Transcribes every audio file in <dir> that has a .txt reference beside it with each provider
and prints WER, latency p50/p95, real-time factor and failure rate per provider.
Providers: pocketsphinx (local), openai (OPENAI_API_KEY), deepgram (DEEPGRAM_API_KEY),
google (GOOGLE_API_KEY), assemblyai (ASSEMBLYAI_API_KEY). Default: every configured one.
Base URLs: OPENAI_BASE_URL, DEEPGRAM_BASE_URL, GOOGLE_SPEECH_BASE_URL, ASSEMBLYAI_BASE_URL.`;

function providersFrom(env: Record<string, string | undefined>, wanted: string[] | undefined): SttProvider[] {
  const base = (name: string): { baseUrl?: string } => (env[name] ? { baseUrl: env[name] } : {});
  const factories: Record<string, () => SttProvider | undefined> = {
    pocketsphinx: () =>
      wanted || spawnSync('sh', ['-c', 'command -v pocketsphinx_continuous']).status === 0
        ? pocketsphinxProvider()
        : undefined,
    openai: () =>
      env.OPENAI_API_KEY ? openaiProvider({ apiKey: env.OPENAI_API_KEY, ...base('OPENAI_BASE_URL') }) : undefined,
    deepgram: () =>
      env.DEEPGRAM_API_KEY
        ? deepgramProvider({ apiKey: env.DEEPGRAM_API_KEY, ...base('DEEPGRAM_BASE_URL') })
        : undefined,
    google: () =>
      env.GOOGLE_API_KEY
        ? googleSpeechProvider({ apiKey: env.GOOGLE_API_KEY, ...base('GOOGLE_SPEECH_BASE_URL') })
        : undefined,
    assemblyai: () =>
      env.ASSEMBLYAI_API_KEY
        ? assemblyAiProvider({ apiKey: env.ASSEMBLYAI_API_KEY, ...base('ASSEMBLYAI_BASE_URL') })
        : undefined,
  };
  const names = wanted ?? Object.keys(factories);
  return names
    .map((name) => {
      const factory = factories[name];
      if (!factory) throw new Error(`unknown provider "${name}" (known: ${Object.keys(factories).join(', ')})`);
      const provider = factory();
      if (!provider && wanted) throw new Error(`provider "${name}" is not configured (set its API key)`);
      return provider;
    })
    .filter((provider): provider is SttProvider => provider !== undefined);
}

/**
 * The `telltale-stt` command line. Returns the exit code. `io` defaults to the process' stdout and
 * stderr; its `env` (provider keys and base URLs) defaults to `process.env`.
 *
 * @example
 * ```ts
 * import { runCli } from '@telltale/stt';
 * const code = await runCli(['compare', './eval', '--providers', 'pocketsphinx']);
 * let out = '';
 * await runCli(['compare', './eval', '--json'], { stdout: (text) => (out += text), stderr: console.error });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'compare') {
    io.stderr(`${USAGE}\n`);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  let directory: string | undefined;
  let wanted: string[] | undefined;
  let language: string | undefined;
  let json = false;
  for (let index = 0; index < rest.length; index++) {
    const argument = rest[index]!;
    if (argument === '--providers') wanted = (rest[++index] ?? '').split(',').filter(Boolean);
    else if (argument === '--language') language = rest[++index];
    else if (argument === '--json') json = true;
    else if (!argument.startsWith('--') && directory === undefined) directory = argument;
    else {
      io.stderr(`Unknown argument ${argument}\n${USAGE}\n`);
      return 2;
    }
  }
  if (!directory) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  try {
    const providers = providersFrom(io.env ?? process.env, wanted);
    if (providers.length === 0) {
      io.stderr('No provider configured: install pocketsphinx or set an API key.\n');
      return 2;
    }
    const dataset = await loadDataset(directory);
    if (dataset.length === 0) {
      io.stderr(`No audio files with a .txt reference in ${directory}\n`);
      return 2;
    }
    const report = await compareProviders(dataset, providers, language ? { transcribe: { language } } : {});
    io.stdout(json ? `${JSON.stringify(report.providers, null, 2)}\n` : `${formatComparison(report)}\n`);
    return report.providers.every((row) => row.failures === row.files) ? 1 : 0;
  } catch (error) {
    io.stderr(`telltale-stt: ${describeError(error)}\n`);
    return 1;
  }
}
