import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const has = (binary: string) => spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;

/**
 * A short spoken clip for the transcription step: synthesised with espeak-ng
 * and converted to 16 kHz mono WAV with sox when both are installed, else a
 * quiet tone written directly (cloud fakes do not listen; pocketsphinx would
 * transcribe it as silence).
 */
export function sampleAudio(sentence: string): { data: Uint8Array; spoken: boolean } {
  if (has('espeak-ng') && has('sox')) {
    const directory = mkdtempSync(join(tmpdir(), 'telltale-demo-'));
    try {
      const raw = join(directory, 'speech.wav');
      const wav = join(directory, 'speech16k.wav');
      spawnSync('espeak-ng', ['-v', 'en-us', '-s', '140', '-w', raw, sentence]);
      spawnSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', wav]);
      return { data: new Uint8Array(readFileSync(wav)), spoken: true };
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
  return { data: toneWav(1.5), spoken: false };
}

function toneWav(seconds: number): Uint8Array {
  const rate = 16_000;
  const samples = Math.round(seconds * rate);
  const buffer = Buffer.alloc(44 + samples * 2);
  buffer.write('RIFF', 0);
  buffer.writeUInt32LE(36 + samples * 2, 4);
  buffer.write('WAVEfmt ', 8);
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(rate, 24);
  buffer.writeUInt32LE(rate * 2, 28);
  buffer.writeUInt16LE(2, 32);
  buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36);
  buffer.writeUInt32LE(samples * 2, 40);
  for (let index = 0; index < samples; index++) {
    buffer.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * index) / rate) * 2000), 44 + index * 2);
  }
  return new Uint8Array(buffer);
}

export const hasLocalStt = () => has('pocketsphinx_continuous') && has('sox');
