// Dashboard SSE fan-out: N concurrent Server-Sent Events clients on loopback.
// Measures, in the server process: p95 delivery latency of a snapshot (from
// the snapshot's `takenAt` to its arrival at each client), memory per 100
// connections, and CPU per broadcast. Anchor in the same run: a naive
// broadcaster that JSON.stringify()s the same snapshot once per client and
// writes a string to each. The server is pinned to CPU 0 and the client
// processes to the last CPU when `taskset` exists.
//
// Bounded: CLIENTS (default 1000) clients, MEASURE_SECONDS (default 12 s) of
// broadcasting per variant (~30 s in all, instead of the issue's 60 s).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createDashboard, type Dashboard, type RouteStats } from '@telltale/dashboard';
import { withDashboard } from '@telltale/dashboard/node';
import { report, saveResults } from './harness.js';

const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const CLIENT_PROCESSES = 2;
const MEASURE_SECONDS = Number(process.env.MEASURE_SECONDS ?? 12);
const TICK_MS = 500;
const ROUTES = 20;

// ---------- client process ----------

function runClients(): void {
  const url = new URL(process.env.URL!);
  const count = Number(process.env.COUNT);
  let latencies: number[] = [];
  let connected = 0;
  const marker = Buffer.from('"takenAt":');
  // Raw sockets and a byte search for the timestamp: a full HTTP parser and
  // JSON.parse per client would make the load generator, not the server,
  // the bottleneck on a small machine.
  for (let index = 0; index < count; index++) {
    const socket = connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    let carry = Buffer.alloc(0);
    let opened = false;
    socket.on('data', (chunk: Buffer) => {
      const received = Date.now();
      if (!opened) {
        if (!chunk.subarray(0, 12).toString().startsWith('HTTP/1.1 200')) {
          process.send!({ error: chunk.subarray(0, 40).toString() });
          return;
        }
        opened = true;
        if (++connected === count) process.send!({ connected });
      }
      // Keep a short tail so a timestamp split across two chunks is still found.
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let at = data.indexOf(marker);
      let consumed = 0;
      while (at !== -1 && at + marker.length + 13 <= data.length) {
        const start = at + marker.length;
        latencies.push(received - Number(data.subarray(start, start + 13).toString()));
        consumed = start + 13;
        at = data.indexOf(marker, consumed);
      }
      carry = Buffer.from(data.subarray(Math.max(consumed, data.length - 32)));
    });
    socket.on('error', (error) => process.send!({ error: error.message }));
    socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`);
  }
  process.on('message', (message: string) => {
    if (message === 'report') {
      process.send!({ latencies });
      latencies = [];
    }
    if (message === 'exit') process.exit(0);
  });
}

// ---------- server side ----------

function routeSource(): () => RouteStats[] {
  let tick = 0;
  return () => {
    tick++;
    return Array.from({ length: ROUTES }, (_, index) => ({
      method: index % 3 === 0 ? 'POST' : 'GET',
      route: `/api/v1/resource-${index}/:id`,
      rate: 50 + ((tick * 7 + index * 13) % 40),
      p50: 0.004 + index / 10_000,
      p95: 0.02 + ((tick + index) % 10) / 1000,
      p99: 0.05 + index / 1000,
      errorRatio: ((tick + index) % 5) / 100,
    }));
  };
}

function newDashboard(): Dashboard {
  return createDashboard({
    tick: TICK_MS,
    maxClients: CLIENTS + 10,
    maxClientsPerAddress: CLIENTS + 10,
    sources: {
      routes: routeSource(),
      alerts: () => [{ id: 'HighLatency{}', name: 'HighLatency', state: 'firing', labels: { route: '/api' } }],
      breakers: () => [{ name: 'payments', state: 'closed' }],
      queues: () => [{ name: 'notify', depth: 3, deadLetters: 0 }],
    },
  });
}

interface Variant {
  name: string;
  server: Server;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1', 1024);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function telltaleVariant(): Variant {
  const dashboard = newDashboard();
  const server = createServer(withDashboard(dashboard));
  return {
    name: 'telltale (serialise once, shared buffer)',
    server,
    async close() {
      await dashboard.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

/** The anchor: one JSON.stringify and one string write per client per tick. */
function naiveVariant(): Variant {
  const source = newDashboard();
  const clients = new Set<ServerResponse>();
  const timer = setInterval(() => {
    void source.snapshot().then((snapshot) => {
      for (const client of clients) {
        const json = JSON.stringify(snapshot);
        client.write(`id: ${snapshot.id}\nevent: snapshot\ndata: ${json}\n\n`);
      }
    });
  }, TICK_MS);
  const server = createServer((incoming, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.flushHeaders();
    clients.add(response);
    response.on('close', () => clients.delete(response));
    void incoming;
  });
  return {
    name: 'naive per-client JSON.stringify',
    server,
    async close() {
      clearInterval(timer);
      await source.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settledMemory(): { heap: number; rss: number } {
  gc();
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed + usage.external + usage.arrayBuffers, rss: usage.rss };
}

function percentile(values: number[], quantile: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)]!;
}

const lastCpu = Math.max(0, availableParallelism() - 1);
const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset']).status === 0;

function startClients(url: string, processes: number): ChildProcess[] {
  const self = fileURLToPath(import.meta.url);
  return Array.from({ length: processes }, () => {
    const argv = [...process.execArgv, self];
    const command = hasTaskset ? 'taskset' : process.execPath;
    const args = hasTaskset ? ['-c', String(lastCpu), process.execPath, ...argv] : argv;
    return spawn(command, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, DASHBOARD_BENCH_CLIENT: '1', URL: url, COUNT: String(CLIENTS / CLIENT_PROCESSES) },
    });
  });
}

function nextMessage<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if ('error' in message) reject(new Error(String(message.error)));
      if (key in message) {
        child.off('message', onMessage);
        resolve(message as T);
      }
    };
    child.on('message', onMessage);
  });
}

interface Measurement {
  p95LatencyMs: number;
  p50LatencyMs: number;
  heapPer100KiB: number;
  rssPer100KiB: number;
  cpuPerBroadcastMs: number;
  broadcasts: number;
  deliveries: number;
}

async function measure(variant: Variant, path: string): Promise<Measurement> {
  const base = await listen(variant.server);
  // Two waves of clients: weighing between them excludes one-time costs
  // (the first snapshot, lazily compiled code) from the per-connection figure.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 3 * TICK_MS));
  const [firstWave] = startClients(`${base}${path}`, 1);
  await nextMessage(firstWave!, 'connected');
  await settle();
  const before = settledMemory();
  const secondWave = startClients(`${base}${path}`, CLIENT_PROCESSES - 1);
  await Promise.all(secondWave.map((child) => nextMessage(child, 'connected')));
  await settle();
  const after = settledMemory();
  const children = [firstWave!, ...secondWave];
  await Promise.all(children.map((child) => (child.send('report'), nextMessage(child, 'latencies'))));

  const cpuBefore = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_SECONDS * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const reports = await Promise.all(
    children.map((child) => (child.send('report'), nextMessage<{ latencies: number[] }>(child, 'latencies'))),
  );
  for (const child of children) child.send('exit');
  await variant.close();
  const latencies = reports.flatMap((entry) => entry.latencies);
  // Each client receives every broadcast once; broadcasts are ticks in the window.
  const broadcasts = Math.max(1, Math.round(latencies.length / CLIENTS));
  const perHundred = (CLIENTS - CLIENTS / CLIENT_PROCESSES) / 100;
  return {
    p95LatencyMs: percentile(latencies, 0.95),
    p50LatencyMs: percentile(latencies, 0.5),
    heapPer100KiB: (after.heap - before.heap) / perHundred / 1024,
    rssPer100KiB: (after.rss - before.rss) / perHundred / 1024,
    cpuPerBroadcastMs: (cpu.user + cpu.system) / 1000 / broadcasts,
    broadcasts,
    deliveries: latencies.length,
  };
}

async function main(): Promise<void> {
  if (hasTaskset) spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
  console.log(
    `${CLIENTS} SSE clients in ${CLIENT_PROCESSES} processes, tick ${TICK_MS} ms, ${ROUTES} routes, ` +
      `${MEASURE_SECONDS} s per variant${hasTaskset ? `, server on CPU 0, clients on CPU ${lastCpu}` : ''}`,
  );
  const probe = newDashboard();
  const snapshotBytes = JSON.stringify(await probe.snapshot()).length;
  await probe.close();
  console.log(`snapshot size ${(snapshotBytes / 1024).toFixed(1)} KiB`);
  const results: Record<string, Measurement> = {};
  const telltale = telltaleVariant();
  results[telltale.name] = await measure(telltale, '/_telltale/events');
  const naive = naiveVariant();
  results[naive.name] = await measure(naive, '/events');

  const rows = (pick: (entry: Measurement) => number) =>
    Object.fromEntries(Object.entries(results).map(([name, entry]) => [name, pick(entry)]));
  const anchor = naive.name;
  report(
    'p95 delivery latency of a snapshot',
    rows((entry) => entry.p95LatencyMs),
    anchor,
    'ms',
  );
  report(
    'p50 delivery latency of a snapshot',
    rows((entry) => entry.p50LatencyMs),
    anchor,
    'ms',
  );
  report(
    'server CPU per broadcast',
    rows((entry) => entry.cpuPerBroadcastMs),
    anchor,
    'ms',
  );
  report(
    'server heap+external per 100 connections',
    rows((entry) => entry.heapPer100KiB),
    anchor,
    'KiB',
  );
  report(
    'server RSS per 100 connections',
    rows((entry) => entry.rssPer100KiB),
    anchor,
    'KiB',
  );
  for (const [name, entry] of Object.entries(results)) {
    console.log(`  ${name}: ${entry.broadcasts} broadcasts, ${entry.deliveries} deliveries`);
  }
  saveResults({ clients: CLIENTS, snapshotBytes, tickMs: TICK_MS, measureSeconds: MEASURE_SECONDS, results });
}

if (process.env.DASHBOARD_BENCH_CLIENT === '1') runClients();
else await main();
