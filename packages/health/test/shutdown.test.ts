import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/shutdown-app.ts', import.meta.url));

async function status(url: string): Promise<number | 'refused'> {
  try {
    const response = await fetch(url, { headers: { connection: 'close' } });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 'refused';
  }
}

describe('SIGTERM in a child process', () => {
  it('fails readiness at once, keeps liveness, drains the in-flight request, then closes and exits', async () => {
    const child = spawn(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', fixture], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const port = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening (\d+)/.exec(output);
          if (match) resolve(match[1]!);
        });
        child.once('exit', () => reject(new Error(`child exited early: ${output}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      expect(await status(`${base}/health/ready`)).toBe(200);

      child.kill('SIGTERM');
      let ready: number | 'refused' = 200;
      for (let attempt = 0; attempt < 50 && ready === 200; attempt++) ready = await status(`${base}/health/ready`);
      expect(ready).toBe(503);
      expect(await status(`${base}/health/live`)).toBe(200);
      // Accepted during the shutdown delay, answered after the listener closed: drained, not cut.
      let slowAnswered = false;
      const slow = fetch(`${base}/work`)
        .then((response) => response.text())
        .finally(() => (slowAnswered = true));

      const sequence: (number | 'refused')[] = [];
      for (let attempt = 0; attempt < 100; attempt++) {
        const live = await status(`${base}/health/live`);
        if (sequence.at(-1) !== live) sequence.push(live);
        if (live === 'refused') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(sequence).toEqual([200, 'refused']);
      expect(slowAnswered).toBe(false);
      expect(await slow).toBe('slow done');
      const { signal } = await exited;
      expect(signal).toBe('SIGTERM');
      expect(output).toContain('shutdown handler ran');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
