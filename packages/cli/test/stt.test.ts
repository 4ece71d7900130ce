import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentWav } from '@telltale/stt';
import { run, serve } from './support.js';

// A fake cloud STT speaking OpenAI's /v1/audio/transcriptions wire format.
async function startFakeOpenAi(transcript: string) {
  return serve((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.url !== '/v1/audio/transcriptions') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ task: 'transcribe', language: 'english', duration: 1, text: transcript }));
    });
  });
}

describe('telltale stt compare', () => {
  let directory: string;
  let exact: Awaited<ReturnType<typeof serve>>;
  let sloppy: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'telltale-cli-stt-'));
    writeFileSync(join(directory, 'call-1.wav'), silentWav(1));
    writeFileSync(join(directory, 'call-1.txt'), 'the client agreed to a follow up');
    exact = await startFakeOpenAi('The client agreed to a follow-up.');
    sloppy = await startFakeOpenAi('the client agreed to follow up');
  });
  afterAll(async () => {
    await Promise.all([exact.close(), sloppy.close()]);
  });

  it('compares the configured providers and prints WER as JSON', async () => {
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: exact.url };
    const result = await run(['stt', 'compare', directory, '--providers', 'openai', '--json'], { env });
    expect(result.code).toBe(0);
    const [row] = JSON.parse(result.stdout) as [{ provider: string; files: number; failures: number; wer: number }];
    expect(row).toMatchObject({ provider: 'openai', files: 1, failures: 0, wer: 0 });
  });

  it('prints the comparison table, counting a dropped word', async () => {
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: sloppy.url };
    const result = await run(['stt', 'compare', directory, '--providers', 'openai', '--language', 'en'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('openai');
    const json = await run(['stt', 'compare', directory, '--providers', 'openai', '--json'], { env });
    const [row] = JSON.parse(json.stdout) as [{ wer: number; deletions: number }];
    expect(row.deletions).toBe(1);
    expect(row.wer).toBeCloseTo(1 / 7, 6);
  });

  it('exits 2 for a missing directory or an unconfigured provider', async () => {
    const missing = await run(['stt', 'compare', join(directory, 'nope')], { env: {} });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('not a readable directory');
    const unconfigured = await run(['stt', 'compare', directory, '--providers', 'openai'], { env: {} });
    expect(unconfigured.code).not.toBe(0);
    expect(unconfigured.stderr).toContain('not configured');
  });

  it('exits 64 on bad usage', async () => {
    expect((await run(['stt'])).code).toBe(64);
    expect((await run(['stt', 'benchmark', directory])).code).toBe(64);
    expect((await run(['stt', 'compare'])).code).toBe(64);
    expect((await run(['stt', 'compare', directory, '--providers', ','])).code).toBe(64);
  });
});
