// Server children and the load generator for the socket benchmark. wrk (C,
// `apt-get install wrk`) is used when it is on PATH: it saturates a Node
// server from one core, so the server, not the load generator, is the
// bottleneck and throughput is the server's. Otherwise autocannon (one Node
// thread, which cannot saturate Express on the same class of core).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Framework, Variant } from './variants.js';

const serverEntry = fileURLToPath(new URL('./server.ts', import.meta.url));
const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

export const CONNECTIONS = 16;
/** Server on CPU 1, load generator (and this process) on CPU 0. */
export const canPin = availableParallelism() >= 2 && has('taskset');
export const loadGenerator: 'wrk' | 'autocannon' =
  process.env.BENCH_LOADGEN === 'autocannon' || !has('wrk') ? 'autocannon' : 'wrk';

export interface Child {
  process: ChildProcess;
  port: number;
  next: () => Promise<unknown>;
}

export async function startChild(framework: Framework, variant: Variant): Promise<Child> {
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const args = [
    ...flags,
    '--expose-gc',
    '--conditions=@telltale/source',
    '--import',
    'tsx',
    serverEntry,
    framework,
    variant,
  ];
  const command = canPin ? 'taskset' : process.execPath;
  const child = spawn(command, canPin ? ['-c', '1', process.execPath, ...args] : args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: ((value: unknown) => void)[] = [];
  child.on('message', (message) => queue.shift()?.(message));
  const next = () => new Promise((resolve) => queue.push(resolve));
  const { port } = (await next()) as { port: number };
  return { process: child, port, next };
}

/** The child's own user + system CPU so far, µs (after a full GC when `collect`). */
export async function childCpu(child: Child, collect = false): Promise<number> {
  const reply = child.next();
  child.process.send(collect ? 'gc+cpu' : 'cpu');
  const usage = (await reply) as NodeJS.CpuUsage;
  return usage.user + usage.system;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  errors: number;
}

/** Keep-alive GET /users/42 for `seconds` (wrk: whole seconds) on 127.0.0.1. */
export async function load(port: number, seconds: number, pipelining: number): Promise<LoadResult> {
  const url = `http://127.0.0.1:${port}/users/42`;
  if (loadGenerator === 'wrk') return wrk(url, Math.max(1, Math.round(seconds)));
  const result = await autocannon({ url, connections: CONNECTIONS, pipelining, duration: seconds, timeout: 10 });
  return { requests: result.requests.total, seconds: result.duration, errors: result.errors + result.non2xx };
}

function wrk(url: string, seconds: number): Promise<LoadResult> {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', url];
  const child = canPin ? spawn('taskset', ['-c', '0', 'wrk', ...args]) : spawn('wrk', args);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const done = /(\d+) requests in ([\d.]+)(us|ms|s|m)\b/.exec(output);
      if (code !== 0 || done === null) return reject(new Error(`wrk failed (${code}):\n${output}`));
      const unit = { us: 1e-6, ms: 1e-3, s: 1, m: 60 }[done[3] as 'us' | 'ms' | 's' | 'm'];
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
      const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, value) => sum + Number(value), 0);
      resolve({ requests: Number(done[1]), seconds: Number(done[2]) * unit, errors: non2xx + socketErrors });
    });
  });
}
