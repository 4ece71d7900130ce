import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TelltaleError } from '@telltale/core';
import { readWavFormat } from '../audio.js';
import { SttProviderError } from '../errors.js';
import { engineMissing, run } from './pocketsphinx-process.js';

// The container is read from the bytes and named to sox with `-t`: a caller's file name
// (`x.sph`) must never pick which of sox's parsers reads untrusted input.
const SOX_TYPES: Readonly<Record<string, string>> = {
  'audio/wav': 'wav',
  'audio/flac': 'flac',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
};

/** sox's `-t` type for audio whose bytes were sniffed as `mediaType`, or `undefined` when sox must not read it. */
export function soxTypeFor(mediaType: string): string | undefined {
  return Object.hasOwn(SOX_TYPES, mediaType) ? SOX_TYPES[mediaType] : undefined;
}

/** What {@link convertForDecoder} needs. */
export interface Conversion {
  readonly sox: string;
  /** Provider id, for errors. */
  readonly id: string;
  readonly data: Uint8Array;
  /** Media type of the caller's audio, for the "sox missing" message. */
  readonly mediaType: string;
  /** sox's `-t` type, from {@link soxTypeFor}. */
  readonly soxType: string;
  /** Temporary directory the original is written to. */
  readonly directory: string;
  /** Where the 16 kHz mono 16-bit WAV goes. */
  readonly output: string;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
}

/** Converts the audio to what the decoder reads with sox; resolves with the converted duration (seconds). */
export async function convertForDecoder(conversion: Conversion): Promise<number | undefined> {
  const { sox, id, data, mediaType, soxType, directory, output: input, timeout, signal } = conversion;
  // Named by us, typed by its bytes: the caller's file name plays no part.
  const original = join(directory, `original.${soxType}`);
  await writeFile(original, data);
  const converted = await run(
    sox,
    // -R: sox's default dither is random per run; fixed seeds keep transcripts reproducible.
    ['-R', '-t', soxType, original, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-t', 'wav', input],
    {
      timeout,
      signal,
      what: 'sox',
    },
  ).catch((error: unknown) => {
    if (TelltaleError.is(error, 'TELLTALE_STT_ENGINE_MISSING')) {
      throw engineMissing(
        `pocketsphinx needs 16 kHz mono 16-bit WAV and sox is not installed to convert ${mediaType} (apt-get install sox)`,
        error,
      );
    }
    throw error;
  });
  if (converted.code !== 0) {
    throw new SttProviderError(`sox could not convert the audio: ${converted.stderr.trim().split('\n').at(-1) ?? ''}`, {
      provider: id,
      kind: 'unsupported',
      providerCode: 'conversion_failed',
    });
  }
  return readWavFormat(new Uint8Array(await readFile(input)))?.durationSeconds;
}
