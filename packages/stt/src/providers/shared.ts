import { malformed, numberOr, type HttpContext } from '../http.js';

/** A word as read from a vendor body, before normalisation. */
export interface VendorWord {
  text: string;
  start: number;
  end: number;
  confidence?: number;
  speaker?: string | number;
}

/**
 * Reads a vendor word, validating text and times. `scale` converts the vendor's unit to seconds
 * (AssemblyAI: 0.001).
 */
export function readWord(
  context: HttpContext,
  value: unknown,
  path: string,
  keys: { text: string[]; start: string; end: string; confidence?: string; speaker?: string; scale?: number },
): VendorWord {
  if (typeof value !== 'object' || value === null) throw malformed(context, `${path} is not an object`);
  const item = value as Record<string, unknown>;
  const text = keys.text.map((key) => item[key]).find((candidate) => typeof candidate === 'string');
  const start = numberOr(item[keys.start]);
  const end = numberOr(item[keys.end]);
  if (typeof text !== 'string' || start === undefined || end === undefined) {
    throw malformed(context, `${path} lacks a text, start or end`);
  }
  const scale = keys.scale ?? 1;
  const word: VendorWord = { text, start: start * scale, end: end * scale };
  const confidence = keys.confidence ? numberOr(item[keys.confidence]) : undefined;
  if (confidence !== undefined) word.confidence = confidence;
  const speaker = keys.speaker ? item[keys.speaker] : undefined;
  if (typeof speaker === 'string' || typeof speaker === 'number') word.speaker = speaker;
  return word;
}

/** Bytes as a fetch body (a copy-free `Blob`). */
export function blobOf(data: Uint8Array, mediaType: string): Blob {
  return new Blob([data], { type: mediaType });
}
