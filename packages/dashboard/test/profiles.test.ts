import { createDashboard, type Dashboard } from '@telltale/dashboard';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serve } from './support.js';

const TOKEN = 'Bearer ops-secret';
const ACTION = { 'x-telltale-dashboard': '1', authorization: TOKEN };

interface CpuProfileJson {
  nodes: Array<{ id: number; callFrame: { functionName: string } }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

// A named function the profile must find on the CPU.
function busyWorkForProfile(until: number): number {
  let total = 0;
  while (performance.now() < until) total += Math.sqrt(total + 1);
  return total;
}

// Busy until `done` settles, so the profile window is covered however late it starts.
async function keepBusyUntil(done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  while (!finished) {
    busyWorkForProfile(performance.now() + 5);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let served: Awaited<ReturnType<typeof serve>> | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function start(options: Parameters<typeof createDashboard>[0] = {}): Promise<string> {
  const dashboard: Dashboard = createDashboard({
    authorize: { act: (request) => request.headers.authorization === TOKEN },
    ...options,
  });
  served = await serve(dashboard);
  return `${served.base}/_telltale/actions/profile`;
}

describe('dashboard profiles', () => {
  it('streams a valid .cpuprofile of the work done meanwhile, as a download', async () => {
    const url = await start();
    const request = fetch(`${url}/cpu?seconds=0.6`, { method: 'POST', headers: ACTION });
    await keepBusyUntil(request);
    const response = await request;
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="cpu-[\w-]+\.cpuprofile"$/);
    const profile = (await response.json()) as CpuProfileJson;
    expect(profile.nodes.length).toBeGreaterThan(1);
    expect(profile.endTime).toBeGreaterThan(profile.startTime);
    // Microseconds: about the 0.6 s asked for.
    expect(profile.endTime - profile.startTime).toBeGreaterThan(400_000);
    expect(profile.samples.length).toBe(profile.timeDeltas.length);
    expect(profile.samples.length).toBeGreaterThan(10);
    const ids = new Set(profile.nodes.map((node) => node.id));
    expect(profile.samples.every((sample) => ids.has(sample))).toBe(true);
    expect(profile.nodes.some((node) => node.callFrame.functionName === 'busyWorkForProfile')).toBe(true);
  });

  it('answers 403 without authorize.act approval, the action header, or an act hook at all', async () => {
    const url = await start();
    const wrongToken = await fetch(`${url}/cpu?seconds=0.1`, {
      method: 'POST',
      headers: { ...ACTION, authorization: 'Bearer wrong' },
    });
    expect(wrongToken.status).toBe(403);
    expect(await wrongToken.json()).toEqual({ error: 'not allowed to act on this dashboard' });
    const noHeader = await fetch(`${url}/heap`, { method: 'POST', headers: { authorization: TOKEN } });
    expect(noHeader.status).toBe(403);
    await served!.close();

    const open = await start({ authorize: {} });
    const disabled = await fetch(`${open}/cpu?seconds=0.1`, { method: 'POST', headers: ACTION });
    expect(disabled.status).toBe(403);
    expect(((await disabled.json()) as { error: string }).error).toMatch(/authorize\.act/);
  });

  it('takes one profile at a time (409) and bounds the duration (400)', async () => {
    const url = await start({ profiles: { maxSeconds: 2 } });
    const first = fetch(`${url}/cpu?seconds=0.5`, { method: 'POST', headers: ACTION });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await fetch(`${url}/heap`, { method: 'POST', headers: ACTION });
    expect(second.status).toBe(409);
    await second.text();
    expect((await first).status).toBe(200);
    await (await first).text();

    const tooLong = await fetch(`${url}/cpu?seconds=3`, { method: 'POST', headers: ACTION });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toEqual({ error: '"seconds" must be more than 0 and at most 2' });
    const notNumber = await fetch(`${url}/cpu?seconds=abc`, { method: 'POST', headers: ACTION });
    expect(notNumber.status).toBe(400);
    await notNumber.text();
    const get = await fetch(`${url}/cpu`, { headers: ACTION });
    expect(get.status).toBe(405);
    await get.text();
  });

  it('streams a heap snapshot as a download, and refuses one above maxHeapSnapshotBytes', async () => {
    const url = await start();
    const response = await fetch(`${url}/heap`, { method: 'POST', headers: ACTION });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="heap-[\w-]+\.heapsnapshot"$/);
    expect(response.headers.get('content-length')).toBeNull(); // streamed (chunked)
    const snapshot = (await response.json()) as { snapshot: { meta: { node_fields: string[] } }; nodes: number[] };
    expect(snapshot.snapshot.meta.node_fields).toContain('self_size');
    expect(snapshot.nodes.length).toBeGreaterThan(1000);
    await served!.close();

    const small = await start({ profiles: { maxHeapSnapshotBytes: 1024 * 1024 } });
    const refused = await fetch(`${small}/heap`, { method: 'POST', headers: ACTION });
    expect(refused.status).toBe(413);
    expect(((await refused.json()) as { error: string }).error).toMatch(/maxHeapSnapshotBytes/);
  });

  it('cuts off a heap snapshot that grows past maxHeapSnapshotBytes, so the download fails', async () => {
    const url = await start({ profiles: { maxHeapSnapshotBytes: 1024 * 1024 } });
    // Let the up-front check pass (as for a heap that grows while the snapshot is written).
    const real = process.memoryUsage();
    const spy = vi.spyOn(process, 'memoryUsage').mockReturnValue({ ...real, heapUsed: 1000 });
    try {
      const response = await fetch(`${url}/heap`, { method: 'POST', headers: ACTION });
      expect(response.status).toBe(200);
      await expect(response.arrayBuffer()).rejects.toThrow();
    } finally {
      spy.mockRestore();
    }
    // The lock is released: the next profile may run.
    const next = await fetch(`${url}/cpu?seconds=0.1`, { method: 'POST', headers: ACTION });
    expect(next.status).toBe(200);
    await next.text();
  });

  it('rejects bad profile limits at construction', () => {
    expect(() => createDashboard({ profiles: { maxSeconds: 0 } })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG' }),
    );
    expect(() => createDashboard({ profiles: { maxHeapSnapshotBytes: -1 } })).toThrow(/maxHeapSnapshotBytes/);
  });

  it('advertises the profile actions to the page only when authorize.act is set', async () => {
    await using withAct = createDashboard({ authorize: { act: () => true } });
    await using without = createDashboard();
    expect((await withAct.snapshot()).capabilities.profiles).toBe(true);
    expect((await without.snapshot()).capabilities.profiles).toBe(false);
  });
});
