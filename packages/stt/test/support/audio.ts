import { silentWav } from '@telltale/stt';

/** A 16 kHz mono WAV of `seconds` of silence, as a data input. */
export function wavInput(seconds = 1): { data: Uint8Array; mediaType: string; filename: string } {
  return { data: silentWav(seconds), mediaType: 'audio/wav', filename: 'clip.wav' };
}
