import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  SttProviderError,
  compareProviders,
  createFallbackTranscriber,
  formatComparison,
  loadDataset,
  percentile,
  runCli,
  silentWav,
  type CliIo,
} from '@telltale/stt';
import { json, startVendor, type FakeVendor } from './support/server.js';
import { scripted, transcriptOf } from './support/providers.js';

describe('compareProviders and telltale-stt compare', () => {
  let directory: string;
  let vendor: FakeVendor;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'telltale-compare-'));
    writeFileSync(join(directory, 'one.wav'), silentWav(1));
    writeFileSync(join(directory, 'one.txt'), 'hello world\n');
    writeFileSync(join(directory, 'two.wav'), silentWav(2));
    writeFileSync(join(directory, 'two.txt'), 'the quick brown fox');
    writeFileSync(join(directory, 'orphan.wav'), silentWav(1));
    // Deepgram-shaped answers: "one" exactly right, "two" with one substitution.
    vendor = await startVendor((request, response) => {
      const size = Number(request.headers['content-length']);
      const transcript = size > 40_000 ? 'the quick brown box' : 'hello world';
      json(response, 200, {
        metadata: { request_id: 'r', duration: 1 },
        results: { channels: [{ alternatives: [{ transcript, words: [] }] }] },
      });
    });
  });
  afterAll(async () => {
    rmSync(directory, { recursive: true, force: true });
    await vendor.close();
  });

  it('loads audio files that have a .txt reference', async () => {
    const dataset = await loadDataset(directory);
    expect(dataset.map((item) => [item.id, item.reference, item.durationSeconds])).toEqual([
      ['one', 'hello world', 1],
      ['two', 'the quick brown fox', 2],
    ]);
  });

  it('reports WER, latency, real-time factor, failures and fallbacks per provider', async () => {
    const dataset = await loadDataset(directory);
    const flaky = scripted('flaky', (call) =>
      call === 1
        ? Promise.reject(new SttProviderError('down', { provider: 'flaky', kind: 'permanent' }))
        : Promise.resolve(transcriptOf('flaky', 'hello world')),
    );
    const fallback = createFallbackTranscriber({
      providers: [
        scripted('primary', () =>
          Promise.reject(new SttProviderError('quota', { provider: 'primary', kind: 'quota-exhausted' })),
        ),
        scripted('backup', () => Promise.resolve(transcriptOf('backup', 'hello world'))),
      ],
      attemptTimeout: 1000,
      probe: false,
    });
    const report = await compareProviders(dataset, [flaky, fallback]);
    await fallback.close();
    const [flakyRow, fallbackRow] = report.providers;
    expect(flakyRow).toMatchObject({
      provider: 'flaky',
      files: 2,
      failures: 1,
      failureRate: 0.5,
      wer: 1,
      referenceWords: 4,
    });
    expect(fallbackRow).toMatchObject({ provider: 'fallback', failures: 0, fallbackRate: 1, referenceWords: 6 });
    expect(fallbackRow!.wer).toBeCloseTo(4 / 6);
    expect(fallbackRow!.realTimeFactor).toBeGreaterThan(0);
    expect(report.items.find((item) => item.provider === 'fallback')?.producedBy).toBe('backup');
    expect(formatComparison(report).split('\n')[0]).toMatch(/^provider\s+files\s+WER/);
  });

  it('prints the comparison table from the CLI', async () => {
    let out = '';
    let err = '';
    const io = {
      stdout: (text: string) => (out += text),
      stderr: (text: string) => (err += text),
      env: { DEEPGRAM_API_KEY: 'k', DEEPGRAM_BASE_URL: vendor.url },
    };
    expect(await runCli(['compare', directory, '--providers', 'deepgram'], io)).toBe(0);
    const row = out.split('\n')[1]!;
    expect(row).toMatch(/^deepgram\s+2\s+16\.7%\s+1\s+0\s+0\s+6\s/);
    out = '';
    expect(await runCli(['compare', directory, '--providers', 'deepgram', '--json'], io)).toBe(0);
    expect(JSON.parse(out)[0]).toMatchObject({ provider: 'deepgram', substitutions: 1 });
    expect(err).toBe('');
  });

  it('reads provider keys from process.env when its io has no env', async () => {
    vi.stubEnv('DEEPGRAM_API_KEY', 'k');
    vi.stubEnv('DEEPGRAM_BASE_URL', vendor.url);
    try {
      let out = '';
      let err = '';
      const io: CliIo = { stdout: (text) => (out += text), stderr: (text) => (err += text) };
      expect(await runCli(['compare', directory, '--providers', 'deepgram', '--json'], io)).toBe(0);
      expect(JSON.parse(out)[0]).toMatchObject({ provider: 'deepgram', files: 2, failures: 0 });
      expect(err).toBe('');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('explains usage errors with exit code 2', async () => {
    let err = '';
    const io = { stdout: () => {}, stderr: (text: string) => (err += text), env: {} };
    expect(await runCli([], io)).toBe(2);
    expect(err).toMatch(/Usage: telltale-stt compare <dir>/);
    expect(await runCli(['compare', directory, '--providers', 'openai'], io)).toBe(1);
    expect(err).toMatch(/"openai" is not configured/);
    expect(await runCli(['compare', directory, '--bogus'], io)).toBe(2);
  });

  it('runs as a bin', async () => {
    const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
    const failure = await promisify(execFile)(
      process.execPath,
      ['--conditions=@telltale/source', '--import', 'tsx', bin, '--help'],
      {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      },
    );
    expect(failure.stderr).toMatch(/Usage: telltale-stt/);
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(percentile([], 0.5)).toBe(0);
  });
});
