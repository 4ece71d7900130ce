// Live fan-out: N concurrent SSE clients and N WebSocket clients on one
// instance, then cross-instance delivery on Redis.
// Per transport, in the server process: p95 publish-to-receive latency
// (the event carries its publish time; clients in separate processes compare
// it with their clock), p95 connect time (measured by the clients), memory per
// 100 connections and CPU per published event. Anchors in the same run: a
// naive SSE broadcaster that JSON.stringify()s the event once per client, and
// ws's broadcast example (one string, a send() loop over wss.clients).
// Redis: two brokers (instance A publishes, instance B subscribes) at
// REDIS_RATE events/s; anchor: a raw ioredis PUBLISH → SUBSCRIBE round trip.
//
// Bounded: CLIENTS (default 1000) per transport, MEASURE_SECONDS (default 5)
// of publishing every PUBLISH_MS (default 50) per variant, REDIS_SECONDS (3).
// A smoke run: CLIENTS=20 MEASURE_SECONDS=1 REDIS_SECONDS=1 pnpm bench live
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';
import { createLiveHub, type LiveHub } from '@telltale/live';
import { withLive } from '@telltale/live/node';
import { redisBroker } from '@telltale/live/redis';
import { startRedisServer } from '../test-support/redis-server.js';
import { report, saveResults } from './harness.js';

const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const CLIENT_PROCESSES = 2;
const MEASURE_SECONDS = Number(process.env.MEASURE_SECONDS ?? 5);
const PUBLISH_MS = Number(process.env.PUBLISH_MS ?? 50);
const REDIS_SECONDS = Number(process.env.REDIS_SECONDS ?? 3);
const REDIS_RATE = Number(process.env.REDIS_RATE ?? 1000);
const MARKER = Buffer.from('"t":');

// ---------- client processes ----------

function runClients(): void {
  const url = new URL(process.env.URL!);
  const count = Number(process.env.COUNT);
  const transport = process.env.TRANSPORT;
  let latencies: number[] = [];
  const connects: number[] = [];
  // A byte search for the timestamp instead of parsing: the load generator must not be the bottleneck.
  const scan = (data: Buffer, received: number): void => {
    for (let at = data.indexOf(MARKER); at !== -1; at = data.indexOf(MARKER, at + 1)) {
      const start = at + MARKER.length;
      if (start + 13 <= data.length) latencies.push(received - Number(data.subarray(start, start + 13).toString()));
    }
  };
  const opened = (startedAt: number): void => {
    connects.push(Date.now() - startedAt);
    if (connects.length === count) process.send!({ connected: count });
  };
  for (let index = 0; index < count; index++) {
    const startedAt = Date.now();
    if (transport === 'websocket') {
      const socket = new WebSocket(url.href.replace('http', 'ws'), { perMessageDeflate: false });
      socket.once('open', () => opened(startedAt));
      socket.on('message', (data: Buffer) => scan(data, Date.now()));
      socket.on('error', (error) => process.send!({ error: error.message }));
      continue;
    }
    const socket = connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    let first = true;
    socket.on('data', (chunk: Buffer) => {
      if (first) {
        first = false;
        if (!chunk.subarray(0, 12).toString().startsWith('HTTP/1.1 200')) {
          process.send!({ error: chunk.subarray(0, 60).toString() });
          return;
        }
        opened(startedAt);
      }
      scan(chunk, Date.now());
    });
    socket.on('error', (error) => process.send!({ error: error.message }));
    socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`);
  }
  process.on('message', (message: string) => {
    if (message === 'report') {
      process.send!({ latencies, connects });
      latencies = [];
    }
    if (message === 'exit') process.exit(0);
  });
}

// ---------- servers ----------

interface Variant {
  name: string;
  transport: 'sse' | 'websocket';
  server: Server;
  path: string;
  publish(data: unknown): Promise<void> | void;
  close(): Promise<void>;
}

const allowAll = () => ({ allow: true as const, key: 'bench' });

function telltaleVariant(transport: 'sse' | 'websocket'): Variant {
  const hub: LiveHub = createLiveHub({
    authorize: allowAll,
    maxConnectionsPerKey: CLIENTS + 10,
    maxConnections: CLIENTS + 10,
    replay: 0,
  });
  const server = createServer();
  server.on('request', withLive(hub, undefined, server));
  return {
    name: `telltale ${transport}`,
    transport,
    server,
    path: '/live/bench',
    publish: async (data) => void (await hub.publish('bench', { type: 'progress', data })),
    async close() {
      await hub.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

/** SSE anchor: one JSON.stringify and one string write per client per event. */
function naiveSseVariant(): Variant {
  const clients = new Set<ServerResponse>();
  let id = 0;
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.flushHeaders();
    clients.add(response);
    response.on('close', () => clients.delete(response));
  });
  return {
    name: 'naive sse (stringify per client)',
    transport: 'sse',
    server,
    path: '/events',
    publish(data) {
      id++;
      for (const client of clients) client.write(`id: ${id}\nevent: progress\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      server.closeAllConnections();
      server.close();
      return Promise.resolve();
    },
  };
}

/** WebSocket anchor: ws's README broadcast, one string sent in a loop over wss.clients. */
function wsBroadcastVariant(): Variant {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  let id = 0;
  return {
    name: 'ws broadcast example',
    transport: 'websocket',
    server,
    path: '/ws',
    publish(data) {
      const text = JSON.stringify({ id: ++id, type: 'progress', data });
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(text);
    },
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      server.close();
      return Promise.resolve();
    },
  };
}

// ---------- measurement ----------

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const settledMemory = (): number => {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external + usage.arrayBuffers;
};
const settledRss = (): number => process.memoryUsage().rss;

function percentile(values: number[], quantile: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)]!;
}

const lastCpu = Math.max(0, availableParallelism() - 1);
const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset']).status === 0;

function startClients(url: string, transport: string, count: number): ChildProcess {
  const argv = [...process.execArgv, fileURLToPath(import.meta.url)];
  const command = hasTaskset ? 'taskset' : process.execPath;
  const args = hasTaskset ? ['-c', String(lastCpu), process.execPath, ...argv] : argv;
  return spawn(command, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, LIVE_BENCH_CLIENT: '1', URL: url, COUNT: String(count), TRANSPORT: transport },
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
  p95DeliveryMs: number;
  p50DeliveryMs: number;
  p95ConnectMs: number;
  heapPer100KiB: number;
  rssPer100KiB: number;
  cpuPerEventMs: number;
  events: number;
  deliveries: number;
}

async function measure(variant: Variant): Promise<Measurement> {
  variant.server.listen(0, '127.0.0.1', 2048);
  await once(variant.server, 'listening');
  const url = `http://127.0.0.1:${(variant.server.address() as AddressInfo).port}${variant.path}`;
  const perProcess = Math.ceil(CLIENTS / CLIENT_PROCESSES);
  // Two waves: weighing between them leaves one-time costs out of the per-connection figure.
  const first = startClients(url, variant.transport, perProcess);
  await nextMessage(first, 'connected');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const heapBefore = settledMemory();
  const rssBefore = settledRss();
  const second = startClients(url, variant.transport, CLIENTS - perProcess);
  await nextMessage(second, 'connected');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const heapAfter = settledMemory();
  const rssAfter = settledRss();
  const children = [first, second];
  const connects = await Promise.all(
    children.map((child) => (child.send('report'), nextMessage<{ connects: number[] }>(child, 'connects'))),
  );

  let events = 0;
  const cpuBefore = process.cpuUsage();
  const until = Date.now() + MEASURE_SECONDS * 1000;
  while (Date.now() < until) {
    await variant.publish({ t: Date.now(), percent: events % 100, stage: 'transcribing', session: 'abc123' });
    events++;
    await new Promise((resolve) => setTimeout(resolve, PUBLISH_MS));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const cpu = process.cpuUsage(cpuBefore);
  const reports = await Promise.all(
    children.map((child) => (child.send('report'), nextMessage<{ latencies: number[] }>(child, 'latencies'))),
  );
  for (const child of children) child.send('exit');
  await variant.close();
  const latencies = reports.flatMap((entry) => entry.latencies);
  const perHundred = (CLIENTS - perProcess) / 100;
  return {
    p95DeliveryMs: percentile(latencies, 0.95),
    p50DeliveryMs: percentile(latencies, 0.5),
    p95ConnectMs: percentile(
      connects.flatMap((entry) => entry.connects),
      0.95,
    ),
    heapPer100KiB: (heapAfter - heapBefore) / perHundred / 1024,
    rssPer100KiB: (rssAfter - rssBefore) / perHundred / 1024,
    cpuPerEventMs: (cpu.user + cpu.system) / 1000 / Math.max(1, events),
    events,
    deliveries: latencies.length,
  };
}

async function measureRedis(): Promise<
  Record<string, { p95Ms: number; p50Ms: number; received: number; sent: number }>
> {
  const redis = await startRedisServer();
  const results: Record<string, { p95Ms: number; p50Ms: number; received: number; sent: number }> = {};
  const drive = async (
    name: string,
    subscribe: (onReceive: (sentAt: number) => void) => Promise<void>,
    send: (sentAt: number) => Promise<unknown>,
  ) => {
    const latencies: number[] = [];
    await subscribe((sentAt) => latencies.push(performance.now() - sentAt));
    let sent = 0;
    const started = performance.now();
    const pending: Promise<unknown>[] = [];
    while (performance.now() - started < REDIS_SECONDS * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * REDIS_RATE);
      while (sent < due) {
        pending.push(send(performance.now()));
        sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(pending);
    await new Promise((resolve) => setTimeout(resolve, 200));
    results[name] = {
      p95Ms: percentile(latencies, 0.95),
      p50Ms: percentile(latencies, 0.5),
      received: latencies.length,
      sent,
    };
  };
  // Anchor: raw pub/sub round trip.
  const publisher = new Redis(redis.url);
  const subscriber = new Redis(redis.url);
  await drive(
    'raw redis pub/sub',
    async (onReceive) => {
      subscriber.on('message', (_channel: string, text: string) => onReceive(Number(text)));
      await subscriber.subscribe('bench');
    },
    (sentAt) => publisher.publish('bench', String(sentAt)),
  );
  publisher.disconnect();
  subscriber.disconnect();
  // Telltale: broker A publishes (script: id, history, TTL, PUBLISH), broker B delivers.
  const a = redisBroker({ url: redis.url });
  const b = redisBroker({ url: redis.url });
  await drive(
    'telltale redisBroker A → B',
    async (onReceive) => {
      const subscription = b.subscribe('bench', (message) => {
        if (message.kind === 'event') onReceive((message.event.data as { sentAt: number }).sentAt);
      });
      await subscription.ready;
    },
    (sentAt) => {
      const data = { sentAt, percent: 50 };
      return a.publish('bench', {
        type: 'progress',
        data,
        dataJson: JSON.stringify(data),
        publishedAt: Date.now(),
        minimumId: 0,
      });
    },
  );
  await a.close();
  await b.close();
  await redis.close();
  return results;
}

async function main(): Promise<void> {
  if (hasTaskset) spawnSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
  console.log(
    `${CLIENTS} clients per variant in ${CLIENT_PROCESSES} processes, an event every ${PUBLISH_MS} ms for ` +
      `${MEASURE_SECONDS} s${hasTaskset ? `, server on CPU 0, clients on CPU ${lastCpu}` : ''}`,
  );
  const results: Record<string, Measurement> = {};
  for (const variant of [
    telltaleVariant('sse'),
    naiveSseVariant(),
    telltaleVariant('websocket'),
    wsBroadcastVariant(),
  ]) {
    results[variant.name] = await measure(variant);
  }
  const rows = (names: string[], pick: (entry: Measurement) => number) =>
    Object.fromEntries(names.map((name) => [name, pick(results[name]!)]));
  for (const [names, anchor] of [
    [['telltale sse', 'naive sse (stringify per client)'], 'naive sse (stringify per client)'],
    [['telltale websocket', 'ws broadcast example'], 'ws broadcast example'],
  ] as const) {
    const list = [...names];
    report(
      'p95 publish-to-receive',
      rows(list, (entry) => entry.p95DeliveryMs),
      anchor,
      'ms',
    );
    report(
      'p95 connect',
      rows(list, (entry) => entry.p95ConnectMs),
      anchor,
      'ms',
    );
    report(
      'server CPU per event',
      rows(list, (entry) => entry.cpuPerEventMs),
      anchor,
      'ms',
    );
    report(
      'server heap+external per 100 connections',
      rows(list, (entry) => entry.heapPer100KiB),
      anchor,
      'KiB',
    );
    report(
      'server RSS per 100 connections',
      rows(list, (entry) => entry.rssPer100KiB),
      anchor,
      'KiB',
    );
  }
  for (const [name, entry] of Object.entries(results)) {
    console.log(
      `  ${name}: ${entry.events} events, ${entry.deliveries} deliveries (expected ${entry.events * CLIENTS})`,
    );
  }
  let redis: Awaited<ReturnType<typeof measureRedis>> | undefined;
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status === 0) {
    redis = await measureRedis();
    const anchor = 'raw redis pub/sub';
    report(
      `cross-instance p95 at ${REDIS_RATE}/s`,
      Object.fromEntries(Object.entries(redis).map(([k, v]) => [k, v.p95Ms])),
      anchor,
      'ms',
    );
    report(
      `cross-instance p50 at ${REDIS_RATE}/s`,
      Object.fromEntries(Object.entries(redis).map(([k, v]) => [k, v.p50Ms])),
      anchor,
      'ms',
    );
    for (const [name, entry] of Object.entries(redis))
      console.log(`  ${name}: ${entry.received}/${entry.sent} received`);
  } else {
    console.log('redis-server not installed: cross-instance figures skipped');
  }
  saveResults({ clients: CLIENTS, publishMs: PUBLISH_MS, measureSeconds: MEASURE_SECONDS, results, redis });
}

if (process.env.LIVE_BENCH_CLIENT === '1') runClients();
else await main();
