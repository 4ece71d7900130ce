// Hub instances in separate processes on one Redis, for the multi-instance tests.
import type { ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { spawnWithSources } from '../../../test-support/one-shot.js';

export interface Instance {
  child: ChildProcessByStdio<null, Readable, null>;
  base: string;
  publish(topic: string, data: unknown): Promise<number>;
  stats(): Promise<{ connections: number; errors: number }>;
}

/** Starts `fixtures/instance.ts` (a hub on Redis) in its own process; resolves once it listens. */
export async function startInstance(redisUrl: string, connectionLeaseTtl?: string): Promise<Instance> {
  const args = connectionLeaseTtl === undefined ? [redisUrl] : [redisUrl, connectionLeaseTtl];
  const child = spawnWithSources(join(import.meta.dirname, 'fixtures', 'instance.ts'), args);
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const line = output.split('\n').find((candidate) => candidate.startsWith('{"port"'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    base,
    async publish(topic, data) {
      const response = await fetch(`${base}/control/publish?topic=${topic}`, {
        method: 'POST',
        body: JSON.stringify(data),
      });
      if (!response.ok) throw new Error(`publish failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { id: number }).id;
    },
    async stats() {
      return (await (await fetch(`${base}/control/stats`)).json()) as { connections: number; errors: number };
    },
  };
}
