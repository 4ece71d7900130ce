import type { Labels } from '../store/labels.js';

const OFFSET = 14695981039346656037n;
const PRIME = 1099511628211n;
const MASK = (1n << 64n) - 1n;
const encoder = new TextEncoder();

/** Alertmanager's label-set fingerprint (FNV-1a 64 over sorted names and values), as 16 hex digits. */
export function fingerprint(labels: Labels): string {
  let hash = OFFSET;
  const add = (bytes: Uint8Array): void => {
    for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * PRIME) & MASK;
  };
  const separator = new Uint8Array([255]);
  for (const name of Object.keys(labels).sort()) {
    add(encoder.encode(name));
    add(separator);
    add(encoder.encode(labels[name]));
    add(separator);
  }
  return hash.toString(16).padStart(16, '0');
}
