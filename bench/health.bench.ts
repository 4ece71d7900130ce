// /health/ready under load with five dependency checks each costing 5 ms:
// @telltale/health (background checks, cached results) vs @godaddy/terminus
// (checks run on every probe, its model) vs lightship (checks run by the app on
// a timer, which flips signalReady/signalNotReady). Two scenarios: "io" checks
// wait 5 ms (a database round trip), "cpu" checks compute for 5 ms.
//
// Each server runs in its own child process pinned to CPU 0 with taskset; the
// autocannon load generator runs here, pinned to CPU 1. Loopback only, bounded:
// CONNECTIONS connections for DURATION_SECONDS per round, ROUNDS rounds, the
// servers interleaved so drift on this shared machine hits each alike.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median, report, saveResults } from './harness.js';

const CHECKS = 5;
const CHECK_COST_MS = 5;
const CONNECTIONS = 10;
const DURATION_SECONDS = 3;
const WARMUP_SECONDS = 1;
const ROUNDS = 3;
const SUBJECTS = ['telltale', 'terminus', 'lightship'] as const;
type Subject = (typeof SUBJECTS)[number];

const SCENARIOS = ['io', 'cpu'] as const;
type Scenario = (typeof SCENARIOS)[number];
const ROUNDS_PER_SCENARIO: Record<Scenario, number> = { io: ROUNDS, cpu: 2 };

/** One simulated dependency check costing 5 ms: waiting on I/O, or computing. */
const dependency = (): Promise<void> => {
  if (process.env.HEALTH_BENCH_COST !== 'cpu') return new Promise((resolve) => setTimeout(resolve, CHECK_COST_MS));
  const until = performance.now() + CHECK_COST_MS;
  while (performance.now() < until) {
    // busy: the check's own CPU work (parsing, hashing, a synchronous driver call)
  }
  return Promise.resolve();
};
const runAllChecks = (): Promise<void[]> => Promise.all(Array.from({ length: CHECKS }, dependency));

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Child role: start one subject's server and report its port and path. */
async function serve(subject: Subject): Promise<{ port: number; path: string }> {
  if (subject === 'telltale') {
    const { createHealthRegistry } = await import('@telltale/health');
    const { healthHandler } = await import('@telltale/health/node');
    const registry = createHealthRegistry({ meterProvider: false });
    for (let index = 0; index < CHECKS; index++) {
      registry.register(
        `dependency-${index}`,
        async () => {
          await dependency();
          return { status: 'pass' };
        },
        { interval: '1s' },
      );
    }
    await registry.readiness();
    return { port: await listen(createServer(healthHandler(registry))), path: '/health/ready' };
  }
  if (subject === 'terminus') {
    const { createTerminus } = await import('@godaddy/terminus');
    const server = createServer((_request, response) => response.writeHead(404).end());
    createTerminus(server, { healthChecks: { '/health/ready': () => runAllChecks() } });
    return { port: await listen(server), path: '/health/ready' };
  }
  const { createLightship } = await import('lightship');
  const lightship = await createLightship({ detectKubernetes: false, port: 0 });
  const refresh = async (): Promise<void> => {
    try {
      await runAllChecks();
      lightship.signalReady();
    } catch {
      lightship.signalNotReady();
    }
  };
  await refresh();
  setInterval(() => void refresh(), 1_000).unref();
  return { port: (lightship.server.address() as AddressInfo).port, path: '/ready' };
}

if (process.env.HEALTH_BENCH_ROLE) {
  const { port, path } = await serve(process.env.HEALTH_BENCH_ROLE as Subject);
  process.on('message', (message) => {
    if (message === 'cpu') process.send?.(process.cpuUsage());
  });
  process.send?.({ port, path });
} else {
  await main();
}

interface Started {
  child: ChildProcess;
  url: string;
  cpu(): Promise<number>;
}

function pin(cpu: number, pid: number): boolean {
  return spawnSync('taskset', ['-cp', String(cpu), String(pid)], { stdio: 'ignore' }).status === 0;
}

async function start(subject: Subject, scenario: Scenario): Promise<Started> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, self], {
    env: { ...process.env, HEALTH_BENCH_ROLE: subject, HEALTH_BENCH_COST: scenario, ROARR_LOG: 'false' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  if (child.pid !== undefined) pin(0, child.pid);
  const { port, path } = await new Promise<{ port: number; path: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { port: number; path: string }));
    child.once('exit', (code) => reject(new Error(`${subject} server exited with ${code}`)));
  });
  const cpu = () =>
    new Promise<number>((resolve) => {
      child.once('message', (usage) => {
        const { user, system } = usage as NodeJS.CpuUsage;
        resolve(user + system);
      });
      child.send('cpu');
    });
  return { child, url: `http://127.0.0.1:${port}${path}`, cpu };
}

async function load(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, pipelining: 1 });
}

interface Summary {
  requestsPerSecond: number;
  p99Milliseconds: number;
  serverCpuMicrosecondsPerRequest: number;
  errors: number;
}

async function runScenario(scenario: Scenario): Promise<Record<Subject, Summary>> {
  const rounds = ROUNDS_PER_SCENARIO[scenario];
  console.log(
    `\nScenario "${scenario}": ${CHECKS} checks x ${CHECK_COST_MS} ms, ${rounds} x ${DURATION_SECONDS}s per server`,
  );
  const servers = new Map<Subject, Started>();
  for (const subject of SUBJECTS) servers.set(subject, await start(subject, scenario));
  const samples = new Map<Subject, { rps: number[]; p99: number[]; cpuPerRequest: number[]; errors: number }>(
    SUBJECTS.map((subject) => [subject, { rps: [], p99: [], cpuPerRequest: [], errors: 0 }]),
  );
  try {
    for (let round = 0; round < rounds; round++) {
      for (const subject of SUBJECTS) {
        const server = servers.get(subject)!;
        await load(server.url, WARMUP_SECONDS);
        const cpuBefore = await server.cpu();
        const result = await load(server.url, DURATION_SECONDS);
        const cpuUsed = (await server.cpu()) - cpuBefore;
        const sample = samples.get(subject)!;
        sample.rps.push(result.requests.average);
        sample.p99.push(result.latency.p99);
        sample.cpuPerRequest.push(cpuUsed / Math.max(1, result.requests.total));
        sample.errors += result.errors + result.non2xx;
        console.log(
          `  round ${round + 1} ${subject.padEnd(10)} ${result.requests.average.toFixed(0).padStart(7)} req/s  ` +
            `p99 ${result.latency.p99} ms  ${(cpuUsed / Math.max(1, result.requests.total)).toFixed(1)} µs CPU/request` +
            (result.errors + result.non2xx > 0 ? `  (${result.errors} errors, ${result.non2xx} non-2xx)` : ''),
        );
      }
    }
  } finally {
    for (const server of servers.values()) server.child.kill();
  }
  const summary = Object.fromEntries(
    SUBJECTS.map((subject) => {
      const sample = samples.get(subject)!;
      return [
        subject,
        {
          requestsPerSecond: median(sample.rps),
          p99Milliseconds: median(sample.p99),
          serverCpuMicrosecondsPerRequest: median(sample.cpuPerRequest),
          errors: sample.errors,
        },
      ];
    }),
  ) as Record<Subject, Summary>;
  const rows = (field: keyof Summary) =>
    Object.fromEntries(SUBJECTS.map((subject) => [subject, summary[subject][field]]));
  report(`[${scenario}] Throughput, /health/ready`, rows('requestsPerSecond'), 'terminus', 'req/s');
  report(`[${scenario}] p99 latency (lower is better)`, rows('p99Milliseconds'), 'terminus', 'ms');
  report(
    `[${scenario}] Server CPU per request (lower is better)`,
    rows('serverCpuMicrosecondsPerRequest'),
    'terminus',
    'µs',
  );
  const ratio = summary.telltale.requestsPerSecond / summary.terminus.requestsPerSecond;
  console.log(
    `[${scenario}] target: >= 10x terminus throughput (got ${ratio.toFixed(1)}x), p99 < 2 ms (got ${summary.telltale.p99Milliseconds} ms)`,
  );
  return summary;
}

async function main(): Promise<void> {
  const pinned = pin(1, process.pid);
  console.log(
    `/health/ready, ${CONNECTIONS} connections` +
      (pinned ? ', servers pinned to CPU 0, load generator to CPU 1' : ' (taskset unavailable: not pinned)'),
  );
  const results: Record<string, unknown> = {};
  for (const scenario of SCENARIOS) {
    const summary = await runScenario(scenario);
    results[scenario] = {
      summary,
      throughputRatioVsTerminus: summary.telltale.requestsPerSecond / summary.terminus.requestsPerSecond,
      throughputRatioVsLightship: summary.telltale.requestsPerSecond / summary.lightship.requestsPerSecond,
    };
  }
  saveResults({
    setup: {
      checks: CHECKS,
      checkCostMs: CHECK_COST_MS,
      connections: CONNECTIONS,
      durationSeconds: DURATION_SECONDS,
      pinned,
    },
    ...results,
  });
}
