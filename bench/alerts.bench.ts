// Alert engine evaluation cost: 500 rules over 20,000 series with 1 h retention at 15 s
// resolution (4.8 M samples). Reports CPU time per evaluation cycle and bytes per stored
// sample, against an anchor measured in the same run (one pass reading every stored
// sample), and — when Debian's prometheus and promtool are installed — Prometheus' own
// rule-group evaluation time on the same data and rules as the reference figure.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '@telltale/core';
import { createAlertEngine, query } from '@telltale/alerts';
import { cpuMicros, median, report, saveResults } from './harness.js';

const METRICS = 100;
const ROUTES = 20;
const INSTANCES = 10;
const STEP = 15_000;
const SAMPLES = 240; // 1 h at 15 s
const END = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
const START = END - (SAMPLES - 1) * STEP;

function series(metric: number, route: number, instance: number) {
  return {
    __name__: `app_m${metric}_total`,
    route: `/r${route}`,
    instance: `i${instance}`,
    code: route % 5 === 0 ? '500' : '200',
  };
}

function valueAt(metric: number, route: number, instance: number, index: number): number {
  return index * (1 + ((metric + route + instance) % 7)) + ((metric * 31 + route * 7 + instance) % 13);
}

function ruleFile(): string {
  const rules: string[] = [];
  for (let metric = 0; metric < METRICS; metric++) {
    const name = `app_m${metric}_total`;
    rules.push(
      `sum by (route) (rate(${name}{code="500"}[5m])) / sum by (route) (rate(${name}[5m])) > 0.05`,
      `sum by (instance) (increase(${name}[10m])) > 1000`,
      `max_over_time(${name}[5m]) - min_over_time(${name}[5m]) > 1e9`,
      `topk(3, rate(${name}[1m])) > 100`,
      `absent(${name}{route="/r0"})`,
    );
  }
  const body = rules
    .map((expr, index) => `      - alert: Rule${index}\n        expr: '${expr}'\n        for: 5m`)
    .join('\n');
  return `groups:\n  - name: bench\n    rules:\n${body}\n`;
}

const rules = ruleFile();
const clock = createManualClock({ now: END });
const engine = createAlertEngine({ source: { collect: () => [] }, rules, clock, autoStart: false, retention: '1h' });

const heapBefore = process.memoryUsage();
for (let metric = 0; metric < METRICS; metric++) {
  for (let route = 0; route < ROUTES; route++) {
    for (let instance = 0; instance < INSTANCES; instance++) {
      const labels = series(metric, route, instance);
      for (let index = 0; index < SAMPLES; index++) {
        engine.store.append(labels, START + index * STEP, valueAt(metric, route, instance, index));
      }
    }
  }
}
global.gc?.();
const heapAfter = process.memoryUsage();
const sampleCount = engine.store.sampleCount();
const seriesCount = engine.store.seriesCount();
const bufferBytesPerSample = engine.store.sampleBytes() / sampleCount;
const heapBytesPerSample =
  (heapAfter.heapUsed + heapAfter.arrayBuffers - heapBefore.heapUsed - heapBefore.arrayBuffers) / sampleCount;

const cycles: number[] = [];
const walls: number[] = [];
const anchors: number[] = [];
const ingests: number[] = [];
// otelSeriesSource hands out the same label object for a series on every collection; so does this.
const labelSets: { metric: number; route: number; instance: number; labels: Record<string, string> }[] = [];
for (let metric = 0; metric < METRICS; metric++) {
  for (let route = 0; route < ROUTES; route++) {
    for (let instance = 0; instance < INSTANCES; instance++) {
      labelSets.push({ metric, route, instance, labels: series(metric, route, instance) });
    }
  }
}
for (let round = 0; round < 9; round++) {
  // Steady state: one scrape of every series every 15 s, then one evaluation.
  clock.advance(STEP);
  const index = SAMPLES + round;
  const scraped = labelSets.map(({ metric, route, instance, labels }) => ({
    labels,
    value: valueAt(metric, route, instance, index),
  }));
  ingests.push(await cpuMicros(() => engine.store.ingest('bench', scraped, clock.now())));
  const started = performance.now();
  cycles.push(await cpuMicros(() => engine.evaluate().then(() => undefined)));
  walls.push(performance.now() - started);
  anchors.push(
    await cpuMicros(() => {
      // Anchor: read every stored sample once (the least any evaluator must touch). One query per
      // metric: over several names count_over_time fails, as in Prometheus (same label sets once
      // __name__ is dropped).
      let counted = 0;
      for (let metric = 0; metric < METRICS; metric++) {
        const result = query(engine.store, `sum(count_over_time(app_m${metric}_total[1h]))`, clock.now());
        if (result.type === 'vector') counted += result.samples[0]?.value ?? 0;
      }
      if (!(counted >= sampleCount - METRICS * ROUTES * INSTANCES)) throw new Error('anchor mismatch');
    }),
  );
}
const cycleMs = median(cycles) / 1000;
const ingestMs = median(ingests) / 1000;
const wallMs = median(walls);
const anchorMs = median(anchors) / 1000;
const firing = engine.alerts().length;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  return port;
}

async function prometheusReference(): Promise<{ cpuMs: number; wallMs: number } | undefined> {
  if (process.env.BENCH_ALERTS_PROMETHEUS === '0') return undefined;
  const has = (binary: string) => spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
  if (!has('prometheus') || !has('promtool')) return undefined;
  const directory = mkdtempSync(join(tmpdir(), 'telltale-alerts-bench-'));
  try {
    const openMetrics = join(directory, 'data.om');
    const out = createWriteStream(openMetrics);
    for (let metric = 0; metric < METRICS; metric++) {
      out.write(`# TYPE app_m${metric} counter\n`);
      for (let route = 0; route < ROUTES; route++) {
        for (let instance = 0; instance < INSTANCES; instance++) {
          const labels = series(metric, route, instance);
          const text = `app_m${metric}_total{route="${labels.route}",instance="${labels.instance}",code="${labels.code}"}`;
          let chunk = '';
          for (let index = 0; index < SAMPLES; index++) {
            chunk += `${text} ${valueAt(metric, route, instance, index)} ${(START + index * STEP) / 1000}\n`;
          }
          if (!out.write(chunk)) await once(out, 'drain');
        }
      }
    }
    out.end('# EOF\n');
    await once(out, 'finish');
    const data = join(directory, 'tsdb');
    const created = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', openMetrics, data], {
      encoding: 'utf8',
    });
    if (created.status !== 0) throw new Error(created.stderr);
    rmSync(openMetrics);
    writeFileSync(join(directory, 'rules.yml'), rules);
    writeFileSync(
      join(directory, 'prometheus.yml'),
      `global:\n  evaluation_interval: 5s\nrule_files: [${join(directory, 'rules.yml')}]\n`,
    );
    const port = await freePort();
    const server = spawn(
      'prometheus',
      [
        `--config.file=${join(directory, 'prometheus.yml')}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=10y',
      ],
      { stdio: 'ignore' },
    );
    try {
      // Prometheus' own CPU per rule-group iteration: Δprocess_cpu_seconds_total / Δiterations,
      // plus its reported wall duration of the last iteration.
      const read = async () => {
        const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
        const text = response ? await response.text() : '';
        const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
        return {
          cpu: number(/^process_cpu_seconds_total (\S+)$/m),
          iterations: number(/^prometheus_rule_group_iterations_total\{[^}]*\} (\S+)$/m),
          wall: number(/^prometheus_rule_group_last_duration_seconds\{[^}]*\} (\S+)$/m),
        };
      };
      let first = await read();
      for (let attempt = 0; attempt < 60 && !(first.iterations >= 1 && first.wall > 0); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        first = await read();
      }
      let last = first;
      for (let attempt = 0; attempt < 60 && !(last.iterations - first.iterations >= 4); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        last = await read();
      }
      const iterations = last.iterations - first.iterations;
      if (!(iterations > 0)) return undefined;
      return { cpuMs: ((last.cpu - first.cpu) / iterations) * 1000, wallMs: last.wall * 1000 };
    } finally {
      server.kill();
      await once(server, 'exit');
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const prometheus = await prometheusReference().catch((error: unknown) => {
  console.log(`Prometheus reference failed: ${String(error)}`);
  return undefined;
});

const rows: Record<string, number> = {
  'anchor: read every sample once': anchorMs,
  'telltale: 500 rules, one cycle (CPU)': cycleMs,
  'telltale: 500 rules, one cycle (wall)': wallMs,
  'telltale: ingest one scrape of 20,000 series (CPU)': ingestMs,
};
if (prometheus) {
  rows['prometheus 2.42: same rules (CPU per iteration)'] = prometheus.cpuMs;
  rows['prometheus 2.42: same rules (wall, last iteration)'] = prometheus.wallMs;
}
report(
  `Alert evaluation, 500 rules over ${seriesCount} series / ${sampleCount} samples`,
  rows,
  'anchor: read every sample once',
  'ms',
);
if (prometheus) console.log(`  telltale / prometheus (CPU): ×${(cycleMs / prometheus.cpuMs).toFixed(2)}`);
else console.log('  (Debian prometheus/promtool not available: no reference figure)');
console.log(
  `  bytes per sample: ${bufferBytesPerSample.toFixed(1)} in sample buffers, ${heapBytesPerSample.toFixed(1)} total heap`,
);
console.log(`  alerts pending after the cycle: ${firing}`);
saveResults({
  series: seriesCount,
  samples: sampleCount,
  rules: 500,
  cycleMs,
  wallMs,
  ingestMs,
  anchorMs,
  prometheusCpuMs: prometheus?.cpuMs,
  prometheusWallMs: prometheus?.wallMs,
  bufferBytesPerSample,
  heapBytesPerSample,
});
await engine.close();
