import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnWithSources } from '../../../test-support/one-shot.js';

// One incident, as the issue scripts it, against a real Express service in a child process:
// a 5xx burst with slow requests → the error-ratio alert fires once and is grouped with the
// latency alert → the group repeats after repeat_interval → SIGKILL and restart mid-incident
// (no second page, held until the new process has data) → the resolution comes from the new
// process → a silence made on demand keeps the next burst from paging. Timings are scaled to
// seconds: group_wait 500ms, group_interval 1s, repeat_interval 5s (see support/incident-app.ts).

const REPEAT_INTERVAL = 5_000;
const GROUP_INTERVAL = 1_000;
const app = join(import.meta.dirname, 'support', 'incident-app.ts');
const children: ChildProcess[] = [];

interface Page {
  pid: number;
  at: number;
  groupKey: string;
  status: string;
  alerts: string[];
}

async function start(directory: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawnWithSources(app, [join(directory, 'pages.jsonl'), join(directory, 'state.json')]);
  children.push(child);
  const port = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /port (\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`incident app exited with ${code}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

const readPages = (directory: string): Page[] => {
  const file = join(directory, 'pages.jsonl');
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Page)
    : [];
};

/** Polls every 25 ms, at most `limit` ms. */
async function until(what: string, condition: () => boolean | Promise<boolean>, limit = 20_000): Promise<void> {
  const deadline = Date.now() + limit;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends ~100 requests/s to whichever process is current. Healthy: fast 200s. Incident: a third
 * fast 503s, a third 200s taking 400 ms, a third fast 200s (error ratio ≈ 33 %, p90 ≈ 0.4 s).
 */
function loadGenerator() {
  let base = '';
  let incident = false;
  let tick = 0;
  const timer = setInterval(() => {
    if (!base) return;
    const kind = incident ? tick++ % 3 : 2;
    const query = ['status=503', 'delay=400', 'status=200'][kind];
    fetch(`${base}/checkout/${tick}?${query}`)
      .then((response) => response.text())
      .catch(() => undefined); // the process may be killed mid-request
  }, 10);
  return {
    target: (url: string) => void (base = url),
    incident: (on: boolean) => void (incident = on),
    stop: () => clearInterval(timer),
  };
}

const stateOf = async (base: string): Promise<string[]> =>
  ((await (await fetch(`${base}/state`)).json()) as { alerts: string[] }).alerts;

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('incident end to end: Express + @telltale/metrics + routed engine, killed mid-incident', () => {
  it('pages once, groups, repeats, survives SIGKILL without re-paging, resolves, and obeys a silence', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'telltale-alerts-incident-'));
    const load = loadGenerator();
    try {
      const first = await start(directory);
      load.target(first.base);
      await sleep(1_500);
      expect(readPages(directory), 'no page while healthy').toEqual([]);

      // 5xx burst with slow requests: both alerts fire and land in one group.
      load.incident(true);
      const both = ['HighErrorRate:firing', 'HighLatency:firing'];
      await until('a page with both alerts', () =>
        readPages(directory).some((page) => page.alerts.join() === both.join()),
      );
      const groupedIndex = readPages(directory).findIndex((page) => page.alerts.join() === both.join());
      const grouped = readPages(directory)[groupedIndex]!;
      await until('the repeat', () => readPages(directory).length > groupedIndex + 1, 12_000);
      const beforeKill = readPages(directory);
      const repeat = beforeKill.at(-1)!;
      expect(repeat.alerts).toEqual(both);
      expect(repeat.at - grouped.at, 'repeat waits repeat_interval').toBeGreaterThanOrEqual(REPEAT_INTERVAL - 50);
      expect(repeat.at - grouped.at).toBeLessThan(REPEAT_INTERVAL + GROUP_INTERVAL + 1_500);
      for (const page of beforeKill) {
        expect(page.groupKey).toBe(grouped.groupKey);
        expect(page.status).toBe('firing');
      }

      // SIGKILL once the notification log of the repeat is on disk, then restart on the same files.
      await until('the saved notification log', () => {
        const file = join(directory, 'state.json');
        return existsSync(file) && readFileSync(file, 'utf8').includes('HighLatency');
      });
      await sleep(200); // the save after the delivery
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));
      const second = await start(directory);
      load.target(second.base);
      expect(await stateOf(second.base), 'restored as firing').toEqual(both);
      await sleep(3_000); // past the 2 s warm-up: fresh data, still an incident
      expect(await stateOf(second.base)).toEqual(both);
      const afterRestart = readPages(directory).slice(beforeKill.length);
      for (const page of afterRestart) {
        // Anything the new process sent is the scheduled repeat, not a new page.
        expect(page.alerts).toEqual(both);
        expect(page.at - repeat.at).toBeGreaterThanOrEqual(REPEAT_INTERVAL - 50);
      }

      // Recovery: the resolution comes from the new process.
      load.incident(false);
      await until('the resolution', () => readPages(directory).at(-1)?.status === 'resolved');
      const resolution = readPages(directory).at(-1)!;
      expect(resolution).toMatchObject({ pid: second.child.pid, groupKey: grouped.groupKey, status: 'resolved' });
      // As Alertmanager, an alert notified as resolved leaves the group, so the resolutions may
      // come in two pages (HighErrorRate clears first); both come from the new process.
      const resolutions = readPages(directory)
        .filter((page) => page.pid === second.child.pid)
        .flatMap((page) => page.alerts.filter((alert) => alert.endsWith(':resolved')));
      expect(resolutions.sort()).toEqual(['HighErrorRate:resolved', 'HighLatency:resolved']);
      // The error-ratio alert fired once: firing, firing, ..., resolved, with no second firing.
      const errorStates = readPages(directory).flatMap((page) =>
        page.alerts.filter((alert) => alert.startsWith('HighErrorRate')),
      );
      expect(errorStates.indexOf('HighErrorRate:resolved')).toBe(errorStates.length - 1);

      // Silence on demand, then a new burst: the alerts fire but nobody is paged.
      const silenced = await fetch(`${second.base}/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ matchers: '{service="checkout"}', seconds: 60, author: 'oncall', comment: 'deploy' }),
      });
      expect(silenced.status).toBe(201);
      const pagesBefore = readPages(directory).length;
      load.incident(true);
      await until('firing again', async () => (await stateOf(second.base)).join() === both.join());
      await sleep(500 + GROUP_INTERVAL + 1_000); // group_wait, a group_interval tick, margin
      expect(readPages(directory).length, 'silenced: no page').toBe(pagesBefore);
    } finally {
      load.stop();
    }
  }, 90_000);
});
