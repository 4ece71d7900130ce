import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { AudioInput } from './types.js';

/** Audio bytes with what providers need to send them. */
export interface LoadedAudio {
  data: Uint8Array;
  mediaType: string;
  filename: string;
  /** Known only for WAV input (from the header); providers use it for limit checks. */
  durationSeconds: number | undefined;
}

const TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.webm': 'audio/webm',
  '.m4a': 'audio/mp4',
  '.mp4': 'audio/mp4',
};

function ascii(data: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...data.subarray(offset, offset + length));
}

/**
 * Guesses a MIME type from magic bytes, falling back to `application/octet-stream`.
 *
 * @example
 * ```ts
 * import { sniffMediaType } from '@telltale/stt';
 * sniffMediaType(silentWav(0.1)); // 'audio/wav'
 * ```
 */
export function sniffMediaType(data: Uint8Array): string {
  if (ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 4) === 'WAVE') return 'audio/wav';
  if (ascii(data, 0, 4) === 'fLaC') return 'audio/flac';
  if (ascii(data, 0, 4) === 'OggS') return 'audio/ogg';
  if (ascii(data, 0, 3) === 'ID3' || (data[0] === 0xff && ((data[1] ?? 0) & 0xe0) === 0xe0)) return 'audio/mpeg';
  if (ascii(data, 4, 4) === 'ftyp') return 'audio/mp4';
  return 'application/octet-stream';
}

/** PCM format of a WAV file, read from its `fmt ` and `data` chunks. */
export interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 1 = PCM. */
  audioFormat: number;
  dataOffset: number;
  dataLength: number;
  durationSeconds: number;
}

/**
 * Reads a WAV header, or returns `undefined` when `data` is not a parsable RIFF/WAVE file.
 *
 * @example
 * ```ts
 * import { readWavFormat } from '@telltale/stt';
 * readWavFormat(bytes)?.sampleRate; // 16000
 * ```
 */
export function readWavFormat(data: Uint8Array): WavFormat | undefined {
  if (data.length < 12 || ascii(data, 0, 4) !== 'RIFF' || ascii(data, 8, 4) !== 'WAVE') return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let offset = 12;
  let format: Omit<WavFormat, 'dataOffset' | 'dataLength' | 'durationSeconds'> | undefined;
  while (offset + 8 <= data.length) {
    const id = ascii(data, offset, 4);
    let size = view.getUint32(offset + 4, true);
    if (id === 'fmt ' && offset + 24 <= data.length) {
      format = {
        audioFormat: view.getUint16(offset + 8, true),
        channels: view.getUint16(offset + 10, true),
        sampleRate: view.getUint32(offset + 12, true),
        bitsPerSample: view.getUint16(offset + 22, true),
      };
    } else if (id === 'data' && format) {
      // Streamed WAVs (sox to a pipe) carry 0 or 0xFFFFFFFF sizes: use what is there.
      const available = data.length - offset - 8;
      if (size === 0 || size > available) size = available;
      const bytesPerSecond = format.sampleRate * format.channels * (format.bitsPerSample / 8);
      return {
        ...format,
        dataOffset: offset + 8,
        dataLength: size,
        durationSeconds: bytesPerSecond > 0 ? size / bytesPerSecond : 0,
      };
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/** Loads an {@link AudioInput} into memory with a media type, a file name and (for WAV) its duration. */
export async function loadAudio(audio: AudioInput): Promise<LoadedAudio> {
  if ('path' in audio) {
    const data = new Uint8Array(await readFile(audio.path));
    const byExtension = TYPES_BY_EXTENSION[extname(audio.path).toLowerCase()];
    return {
      data,
      mediaType: byExtension ?? sniffMediaType(data),
      filename: basename(audio.path),
      durationSeconds: readWavFormat(data)?.durationSeconds,
    };
  }
  const mediaType = audio.mediaType ?? sniffMediaType(audio.data);
  const extension = Object.entries(TYPES_BY_EXTENSION).find(([, type]) => type === mediaType)?.[0] ?? '.bin';
  return {
    data: audio.data,
    mediaType,
    filename: audio.filename ?? `audio${extension}`,
    durationSeconds: readWavFormat(audio.data)?.durationSeconds,
  };
}

/**
 * A WAV file of `seconds` of silence (16 kHz mono 16-bit): the default probe clip.
 *
 * @example
 * ```ts
 * import { silentWav } from '@telltale/stt';
 * const probe = { data: silentWav(0.5), mediaType: 'audio/wav' };
 * ```
 */
export function silentWav(seconds: number, sampleRate = 16_000): Uint8Array {
  const samples = Math.max(0, Math.round(seconds * sampleRate));
  const dataLength = samples * 2;
  const bytes = new Uint8Array(44 + dataLength);
  const view = new DataView(bytes.buffer);
  const write = (offset: number, text: string): void => {
    for (let index = 0; index < text.length; index++) bytes[offset + index] = text.charCodeAt(index);
  };
  write(0, 'RIFF');
  view.setUint32(4, 36 + dataLength, true);
  write(8, 'WAVE');
  write(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  write(36, 'data');
  view.setUint32(40, dataLength, true);
  return bytes;
}
