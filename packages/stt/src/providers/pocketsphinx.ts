import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TelltaleConfigError, TelltaleError, options as validate, type DurationInput } from '@telltale/core';
import { SttProviderError } from '../errors.js';
import { loadAudio, readWavFormat, sniffMediaType } from '../audio.js';
import { processSlots } from './process-slots.js';
import { buildTranscript } from '../transcript.js';
import type { AudioInput, SttProvider, TranscribeOptions, Transcript } from '../types.js';
import { convertForDecoder, soxTypeFor } from './pocketsphinx-convert.js';
import { parsePocketsphinxOutput } from './pocketsphinx-output.js';
import { engineMissing, exists, run } from './pocketsphinx-process.js';

export { parsePocketsphinxOutput } from './pocketsphinx-output.js';
export type { PocketsphinxWord } from './pocketsphinx-output.js';

/** Options of {@link pocketsphinxProvider}. */
export interface PocketsphinxProviderOptions {
  /** The decoder binary (default `pocketsphinx_continuous`, as Debian 12's `pocketsphinx` ships). */
  binary?: string;
  /** Directory of the `pocketsphinx-en-us` model (default `/usr/share/pocketsphinx/model/en-us`). */
  modelDirectory?: string;
  /** Acoustic model directory (default `<modelDirectory>/en-us`). */
  hmm?: string;
  /** Language model (default `<modelDirectory>/en-us.lm.bin`). */
  languageModel?: string;
  /** Pronunciation dictionary (default `<modelDirectory>/cmudict-en-us.dict`). */
  dictionary?: string;
  /** `sox` binary used to convert input that is not 16 kHz mono 16-bit WAV (default `sox`). */
  sox?: string;
  /** Kill the decoder after this long (default `5m`): a `TELLTALE_TIMEOUT` error. */
  timeout?: DurationInput;
  /** Extra decoder arguments, e.g. `['-cmninit', '60,0,0']`. */
  extraArguments?: string[];
  /**
   * Most calls converting or decoding at once (each runs `sox` and
   * `pocketsphinx_continuous`, one CPU-bound process at a time); further
   * calls wait their turn (abortable). Default: the number of CPUs.
   */
  maxConcurrency?: number;
  id?: string;
}

/**
 * Debian 12 (`pocketsphinx-en-us`) model location.
 *
 * @example
 * ```ts
 * import { DEBIAN_MODEL_DIRECTORY } from '@telltale/stt';
 * pocketsphinxProvider({ modelDirectory: DEBIAN_MODEL_DIRECTORY });
 * ```
 */
export const DEBIAN_MODEL_DIRECTORY = '/usr/share/pocketsphinx/model/en-us';

/**
 * A local, offline engine: Debian's `pocketsphinx_continuous` with the `pocketsphinx-en-us`
 * model, run as a child process (killed on timeout or abort). Input must be 16 kHz mono 16-bit
 * PCM WAV; WAV, FLAC, Ogg and MP3 (told apart by their bytes, never by the file name) are
 * converted with `sox` first, anything else is refused (`TELLTALE_STT_UNSUPPORTED_AUDIO`).
 * At most `maxConcurrency` calls run engine processes at once. Word times come from `-time yes`.
 * No diarization (a warning says so when asked). A missing binary or model rejects with
 * `TELLTALE_STT_ENGINE_MISSING` naming the Debian package to install.
 *
 * @example
 * ```ts
 * import { pocketsphinxProvider } from '@telltale/stt';
 * const local = pocketsphinxProvider({ timeout: '2m' });
 * const transcript = await local.transcribe({ path: 'call.wav' });
 * ```
 */
export function pocketsphinxProvider(options: PocketsphinxProviderOptions = {}): SttProvider {
  validate.object('pocketsphinx', options);
  const id = validate.nonEmptyString('pocketsphinx.id', options.id, 'pocketsphinx');
  const binary = validate.nonEmptyString('pocketsphinx.binary', options.binary, 'pocketsphinx_continuous');
  const sox = validate.nonEmptyString('pocketsphinx.sox', options.sox, 'sox');
  const modelDirectory = validate.nonEmptyString(
    'pocketsphinx.modelDirectory',
    options.modelDirectory,
    DEBIAN_MODEL_DIRECTORY,
  );
  const timeout = validate.duration('pocketsphinx.timeout', options.timeout, '5m');
  const extraArguments = options.extraArguments ?? [];
  if (!Array.isArray(extraArguments) || extraArguments.some((argument) => typeof argument !== 'string')) {
    throw new TelltaleConfigError({
      option: 'pocketsphinx.extraArguments',
      value: extraArguments,
      expected: 'an array of strings',
    });
  }
  const slots = processSlots(
    validate.positiveInteger('pocketsphinx.maxConcurrency', options.maxConcurrency, availableParallelism()),
  );
  const model = {
    hmm: options.hmm ?? join(modelDirectory, 'en-us'),
    lm: options.languageModel ?? join(modelDirectory, 'en-us.lm.bin'),
    dict: options.dictionary ?? join(modelDirectory, 'cmudict-en-us.dict'),
  };

  async function transcribe(audio: AudioInput, request: TranscribeOptions = {}): Promise<Transcript> {
    const signal = request.signal;
    for (const [flag, path] of Object.entries(model)) {
      if (!(await exists(path))) {
        throw engineMissing(`pocketsphinx model file missing: -${flag} ${path} (apt-get install pocketsphinx-en-us)`);
      }
    }
    const loaded = await loadAudio(audio);
    const format = readWavFormat(loaded.data);
    const detected = sniffMediaType(loaded.data);
    const soxType = soxTypeFor(detected);
    if (soxType === undefined) {
      throw new SttProviderError('pocketsphinx accepts WAV, FLAC, Ogg or MP3 audio; the bytes are none of these', {
        provider: id,
        kind: 'unsupported',
        providerCode: 'unknown_format',
      });
    }
    const ready =
      format !== undefined &&
      format.audioFormat === 1 &&
      format.sampleRate === 16_000 &&
      format.channels === 1 &&
      format.bitsPerSample === 16;
    const release = await slots.acquire(signal);
    let directory: string | undefined;
    try {
      directory = await mkdtemp(join(tmpdir(), 'telltale-stt-'));
      const input = 'path' in audio && ready ? audio.path : join(directory, 'input.wav');
      let durationSeconds = format?.durationSeconds;
      if (!ready) {
        durationSeconds = await convertForDecoder({
          sox,
          id,
          data: loaded.data,
          mediaType: loaded.mediaType,
          soxType,
          directory,
          output: input,
          timeout,
          signal,
        });
      } else if (!('path' in audio)) {
        await writeFile(input, loaded.data);
      }
      const args = [
        '-infile',
        input,
        '-time',
        'yes',
        '-hmm',
        model.hmm,
        '-lm',
        model.lm,
        '-dict',
        model.dict,
        ...extraArguments,
      ];
      const result = await run(binary, args, { timeout, signal, what: binary }).catch((error: unknown) => {
        if (TelltaleError.is(error, 'TELLTALE_STT_ENGINE_MISSING')) {
          throw engineMissing(`${binary} is not installed (apt-get install pocketsphinx pocketsphinx-en-us)`, error);
        }
        throw error;
      });
      if (result.code !== 0) {
        const reason =
          result.stderr
            .trim()
            .split('\n')
            .filter((line) => /ERROR|FATAL/.test(line))
            .at(-1) ?? `exit code ${result.code}`;
        throw new SttProviderError(`${binary} failed: ${reason}`, {
          provider: id,
          kind: 'retryable',
          providerCode: 'engine_failed',
        });
      }
      const warnings = request.diarize ? ['pocketsphinx does not diarize; no speakers returned'] : [];
      return buildTranscript(id, {
        words: parsePocketsphinxOutput(result.stdout),
        language: 'en-US',
        durationSeconds,
        warnings,
        metadata: { model: 'pocketsphinx-en-us' },
      });
    } finally {
      if (directory !== undefined) await rm(directory, { recursive: true, force: true });
      release();
    }
  }

  return { id, transcribe };
}
