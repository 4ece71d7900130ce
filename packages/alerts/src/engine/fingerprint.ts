import type { Labels } from '../store/labels.js';

const encoder = new TextEncoder();

// The running hash as two 32-bit halves (BigInt is several times slower here); `fingerprint`
// is synchronous, so module state is safe.
let high = 0;
let low = 0;

function step(byte: number): void {
  // FNV-1a: xor, then multiply by the prime 0x100000001b3 = 2^40 + 0x1b3, modulo 2^64.
  low = (low ^ byte) >>> 0;
  const lowProduct = low * 0x1b3;
  high = (Math.imul(high, 0x1b3) + ((low << 8) >>> 0) + Math.floor(lowProduct / 0x1_0000_0000)) >>> 0;
  low = lowProduct >>> 0;
}

function hashText(text: string): void {
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) >= 0x80) {
      // Non-ASCII: hash the UTF-8 bytes from here on.
      for (const byte of encoder.encode(text.slice(index))) step(byte);
      return;
    }
    step(text.charCodeAt(index));
  }
}

/** Alertmanager's label-set fingerprint (FNV-1a 64 over sorted names and values), as 16 hex digits. */
export function fingerprint(labels: Labels): string {
  high = 0xcbf29ce4;
  low = 0x84222325;
  for (const name of Object.keys(labels).sort()) {
    hashText(name);
    step(255);
    hashText(labels[name]!);
    step(255);
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
