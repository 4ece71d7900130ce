// CPU cost per request of HTTP metrics middleware, against named anchors in
// the same run, judged against issue 21's targets. Per repetition (default 3,
// each with fresh server processes): the in-process harness
// (metrics/inprocess.ts, no sockets), then per framework (Express,
// Fastify, node:http) a socket run — each variant's server in its own child
// pinned to CPU 1, the load generator (wrk when installed, else autocannon)
// on CPU 0, keep-alive on 127.0.0.1, many short rounds with the variant order
// rotating — and the /metrics render with 2,000 histogram series. Prints each
// repetition's figures and, at the end, every target per repetition.
// BENCH_REPEATS, BENCH_ROUNDS, BENCH_SECONDS, BENCH_PIPELINING (autocannon),
// BENCH_LOADGEN=autocannon, BENCH_FRAMEWORKS, BENCH_VARIANTS (BENCH_FRAMEWORKS=none: render only),
// BENCH_INPROCESS=0 to skip the in-process harness.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveResults } from './harness.js';
import { canPin, CONNECTIONS, loadGenerator } from './metrics/load.js';
import { renderBenchmark } from './metrics/render.js';
import { socketRepetition, type SocketResult } from './metrics/socket.js';
import {
  FRAMEWORKS,
  VARIANTS,
  pick,
  verdicts,
  type Figures,
  type Framework,
  type Verdict,
} from './metrics/variants.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 1);
const MODE = process.env.BENCH_MODE === 'sequential' ? 'sequential' : 'concurrent';
const frameworks = pick(FRAMEWORKS, process.env.BENCH_FRAMEWORKS);
const variants = pick(VARIANTS, process.env.BENCH_VARIANTS);
const inProcessHarness = fileURLToPath(new URL('./metrics/inprocess.ts', import.meta.url));

type InProcess = Record<
  string,
  Record<string, { median: number; added: number; overFloor?: number; throughput: number }>
>;

function inProcessRepetition(): InProcess | undefined {
  if (process.env.BENCH_INPROCESS === '0' || frameworks.length === 0) return undefined;
  const file = join(tmpdir(), `telltale-metrics-inprocess-${process.pid}.json`);
  const run = spawnSync(process.execPath, ['--conditions=@telltale/source', '--import', 'tsx', inProcessHarness], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_RESULT_FILE: file, BENCH_ROUNDS: process.env.BENCH_INPROCESS_ROUNDS ?? '100' },
  });
  if (run.status !== 0) throw new Error('the in-process harness failed');
  const { inProcess } = JSON.parse(readFileSync(file, 'utf8')) as { inProcess: InProcess };
  rmSync(file, { force: true });
  return inProcess;
}

function inProcessFigures(rows: InProcess[string] | undefined): Figures | undefined {
  if (rows === undefined) return undefined;
  const figures: Figures = { added: {}, overFloor: {}, throughput: {} };
  for (const [variant, row] of Object.entries(rows) as [keyof Figures['added'], InProcess[string][string]][]) {
    figures.added[variant] = row.added;
    if (row.overFloor !== undefined) figures.overFloor[variant] = row.overFloor;
    figures.throughput[variant] = row.throughput;
  }
  return figures;
}

function printSocket(framework: Framework, result: SocketResult, inProcess: Figures | undefined): void {
  console.log(
    `\n${framework}, socket (${loadGenerator}): server CPU µs/request median (p25–p75 of ${ROUNDS} rounds), ` +
      `added = median of per-round differences; in-process added beside it`,
  );
  for (const [variant, row] of Object.entries(result.rows) as [
    keyof Figures['added'],
    SocketResult['rows']['bare'],
  ][]) {
    const { p25, p50, p75 } = row!.cpu;
    const inProc = inProcess?.added[variant];
    console.log(
      `  ${variant.padEnd(20)} ${p50.toFixed(2).padStart(8)} (${p25.toFixed(1)}–${p75.toFixed(1)})` +
        `  added ${result.added[variant]!.toFixed(2).padStart(7)}` +
        `  vs empty ${(result.overFloor[variant] ?? Number.NaN).toFixed(2).padStart(7)}` +
        `  ×${result.throughput[variant]!.toFixed(3)} req/s of bare (${row!.requestsPerSecond.toFixed(0)}, busy ${(row!.utilisation * 100).toFixed(0)} %)` +
        (inProc === undefined ? '' : `  | in-process added ${inProc.toFixed(2)}`),
    );
  }
}

const mark = (verdict: Verdict) =>
  `${verdict.value.toFixed(verdict.target.includes('µs') ? 2 : 3)} ${verdict.met ? 'met' : 'MISSED'}`;

console.log(
  `${REPEATS} repetitions; socket: ${loadGenerator}, ${MODE}, ${SECONDS} s × ${ROUNDS} rounds per variant, ${CONNECTIONS} keep-alive connections` +
    (loadGenerator === 'autocannon' ? `, pipelining ${PIPELINING}; ` : '; ') +
    (canPin ? 'server pinned to CPU 1, load generator to CPU 0' : 'no pinning (taskset or a second core missing)'),
);
const repetitions: unknown[] = [];
const table: { repetition: number; framework: string; kind: string; verdicts: Verdict[] }[] = [];
for (let repetition = 1; repetition <= REPEATS; repetition++) {
  console.log(`\n======== repetition ${repetition} of ${REPEATS}`);
  const inProcess = inProcessRepetition();
  const socket: Record<string, SocketResult> = {};
  for (const framework of frameworks) {
    socket[framework] = await socketRepetition(framework, {
      variants,
      rounds: ROUNDS,
      seconds: SECONDS,
      pipelining: PIPELINING,
      mode: MODE,
    });
    const inProc = inProcessFigures(inProcess?.[framework]);
    printSocket(framework, socket[framework], inProc);
    table.push({ repetition, framework, kind: 'socket', verdicts: verdicts(framework, socket[framework]) });
    if (inProc !== undefined)
      table.push({ repetition, framework, kind: 'in-process', verdicts: verdicts(framework, inProc) });
  }
  const render = await renderBenchmark();
  table.push({
    repetition,
    framework: '/metrics',
    kind: 'render',
    verdicts: [
      {
        target: 'ours / prom-client render time ≤ 1',
        value: render.oursVsPromClient,
        met: render.oursVsPromClient <= 1,
      },
    ],
  });
  repetitions.push({ inProcess, socket, render });
}

console.log('\nTargets per repetition (value, met / MISSED)');
const keys = [
  ...new Set(table.flatMap((row) => row.verdicts.map((verdict) => `${row.framework}|${row.kind}|${verdict.target}`))),
];
for (const key of keys) {
  const [framework, kind, target] = key.split('|') as [string, string, string];
  const cells = table
    .filter((row) => row.framework === framework && row.kind === kind)
    .map((row) => row.verdicts.find((verdict) => verdict.target === target))
    .filter((verdict): verdict is Verdict => verdict !== undefined);
  const met = cells.filter((verdict) => verdict.met).length;
  console.log(
    `  ${`${framework} ${kind}: ${target}`.padEnd(64)} ${cells.map(mark).join(' | ')}  → ${met}/${cells.length}`,
  );
}
saveResults({
  repeats: REPEATS,
  rounds: ROUNDS,
  seconds: SECONDS,
  loadGenerator,
  repetitions,
  targets: table,
});
