import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pocketsphinxProvider, silentWav } from '@telltale/stt';
import { afterAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test-support/peers.js';

// Stand-ins for the engine and sox that log what they were run with; the model files only need to exist.
const directory = mkdtempSync(join(tmpdir(), 'telltale-stt-limits-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const log = join(directory, 'log');
const model = { hmm: directory, languageModel: log, dictionary: log };
writeFileSync(log, '');
const decoder = join(directory, 'decoder.sh');
writeFileSync(
  decoder,
  `#!/bin/sh\necho "start $$" >> ${log}\nsleep 0.15\necho "end $$" >> ${log}\necho "hello 0.10 0.50 0.90"\n`,
);
const recordingSox = join(directory, 'sox.sh');
writeFileSync(recordingSox, `#!/bin/sh\necho "sox $*" >> ${log}\nexit 1\n`);
chmodSync(decoder, 0o755);
chmodSync(recordingSox, 0o755);

function maxConcurrent(): number {
  let running = 0;
  let most = 0;
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line.startsWith('start ')) most = Math.max(most, ++running);
    if (line.startsWith('end ')) running--;
  }
  return most;
}

describe('pocketsphinxProvider process limits', () => {
  it('runs at most maxConcurrency engine processes; the other calls wait', async () => {
    writeFileSync(log, '');
    const provider = pocketsphinxProvider({ binary: decoder, ...model, maxConcurrency: 2 });
    const results = await Promise.all(Array.from({ length: 12 }, () => provider.transcribe({ data: silentWav(0.2) })));
    expect(results.every((result) => result.text === 'hello')).toBe(true);
    expect(readFileSync(log, 'utf8').match(/^start /gm)).toHaveLength(12);
    expect(maxConcurrent()).toBe(2);
  });

  it('lets a waiting call be aborted without spawning anything', async () => {
    writeFileSync(log, '');
    const provider = pocketsphinxProvider({ binary: decoder, ...model, maxConcurrency: 1 });
    const first = provider.transcribe({ data: silentWav(0.2) });
    const controller = new AbortController();
    const waiting = provider.transcribe({ data: silentWav(0.2) }, { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'TELLTALE_ABORTED' });
    await first;
    expect(readFileSync(log, 'utf8').match(/^start /gm)).toHaveLength(1);
    // The slot is free again.
    await expect(provider.transcribe({ data: silentWav(0.2) })).resolves.toMatchObject({ text: 'hello' });
  });

  it('refuses a bad maxConcurrency at construction', () => {
    expect(() => pocketsphinxProvider({ maxConcurrency: 0 })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'pocketsphinx.maxConcurrency' }),
    );
  });
});

describe('pocketsphinxProvider input format', () => {
  it('names the format read from the bytes to sox, whatever the file name says', async () => {
    writeFileSync(log, '');
    const provider = pocketsphinxProvider({ binary: decoder, sox: recordingSox, ...model });
    const flac = new Uint8Array([...Buffer.from('fLaC'), ...new Uint8Array(60)]);
    await expect(provider.transcribe({ data: flac, filename: 'upload.sph' })).rejects.toMatchObject({
      code: 'TELLTALE_STT_UNSUPPORTED_AUDIO',
    });
    const call = readFileSync(log, 'utf8')
      .split('\n')
      .find((line) => line.startsWith('sox '))!;
    expect(call).toMatch(/^sox -R -t flac \S+\/original\.flac -r 16000 /);
    expect(call).not.toContain('sph');
  });

  it('refuses bytes of no known audio format before running anything', async () => {
    writeFileSync(log, '');
    const provider = pocketsphinxProvider({ binary: decoder, sox: recordingSox, ...model });
    const sphere = new Uint8Array([...Buffer.from('NIST_1A\n   1024\n'), ...new Uint8Array(64)]);
    await expect(provider.transcribe({ data: sphere, filename: 'call.wav' })).rejects.toMatchObject({
      code: 'TELLTALE_STT_UNSUPPORTED_AUDIO',
      providerCode: 'unknown_format',
    });
    expect(readFileSync(log, 'utf8')).toBe('');
  });
});

describe.skipIf(missingPeer('sox'))('pocketsphinxProvider with a real sox', () => {
  it('converts a WAV uploaded under a .sph name as WAV', async () => {
    writeFileSync(log, '');
    // 8 kHz WAV: needs conversion, so sox must read it as WAV rather than as Sphere.
    const wav = silentWav(0.2);
    const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
    view.setUint32(24, 8000, true);
    view.setUint32(28, 16000, true);
    const provider = pocketsphinxProvider({ binary: decoder, ...model });
    await expect(provider.transcribe({ data: wav, filename: 'x.sph' })).resolves.toMatchObject({ text: 'hello' });
  });
});
