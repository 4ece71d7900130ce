import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnWithSources } from '../../../test-support/one-shot.js';

const script = join(import.meta.dirname, 'support', 'paging-process.ts');
const children: ChildProcess[] = [];

function start(directory: string): ChildProcess {
  const child = spawnWithSources(
    script,
    ['value', 'pages.jsonl', 'state.json'].map((name) => join(directory, name)),
  );
  children.push(child);
  return child;
}

const pages = (directory: string): { pid: number; status: string; alerts: string[] }[] => {
  const file = join(directory, 'pages.jsonl');
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { pid: number; status: string; alerts: string[] })
    : [];
};

/** Polls every 25 ms, at most 15 s. */
async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('timed out');
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('kill and restart mid-incident', () => {
  it('does not page again after SIGKILL, and sends the resolution from the new process', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'telltale-alerts-restart-'));
    writeFileSync(join(directory, 'value'), '20');
    const first = start(directory);
    await until(() => pages(directory).length === 1);
    // The notification log is saved right after the delivery; wait for it, then kill -9.
    await until(
      () =>
        existsSync(join(directory, 'state.json')) &&
        readFileSync(join(directory, 'state.json'), 'utf8').includes('"firing":["'),
    );
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));

    const second = start(directory);
    await new Promise<void>((resolve) => second.stdout!.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 400)); // several evaluations and group ticks
    expect(pages(directory)).toEqual([{ pid: first.pid, status: 'firing', alerts: ['firing'] }]);
    writeFileSync(join(directory, 'value'), '1');
    await until(() => pages(directory).length === 2);
    expect(pages(directory)[1]).toEqual({ pid: second.pid, status: 'resolved', alerts: ['resolved'] });
  }, 30_000);
});
