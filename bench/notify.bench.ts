// Delivery throughput and enqueue-to-delivery latency of @telltale/notify, against named
// anchors in the same run: raw pooled nodemailer (sendMail straight to the SMTP sink) and raw
// fetch (a signed POST straight to the webhook sink). Each contender delivers MESSAGES
// messages offered at RATE msg/s (paced in 10 ms ticks, bounded), then the same count offered
// all at once (unpaced) for peak throughput. The sinks (smtp-server and node:http on
// 127.0.0.1) run in a child process pinned to another core when taskset is available.
// Target (issue 8): p95 enqueue-to-delivery < 1 s at 1,000 msg/s.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import {
  createNotifier,
  memoryChannel,
  smtpChannel,
  webhookChannel,
  type Delivery,
  type NotificationChannel,
} from '@telltale/notify';
import { cpuMicros, median, report, saveResults } from './harness.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const POOL = 5;
const WEBHOOK_CONCURRENCY = 50;
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 2_000);
// Each contender run is cut off after this long, so a slow or shared machine still finishes.
const RUN_LIMIT_MS = Number(process.env.BENCH_RUN_LIMIT_MS ?? 12_000);
// A gentler load too, so a shared, busy machine still shows unsaturated latency.
const LOW_RATE = Number(process.env.BENCH_LOW_RATE ?? 100);
const LOW_MESSAGES = Number(process.env.BENCH_LOW_MESSAGES ?? 1_000);
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

if (process.argv.includes('--sink')) {
  // Sink mode: accept mail and webhooks as fast as possible, print the ports.
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 1000,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => callback());
    },
  });
  const http = createServer((request, response) => {
    request.on('data', () => {});
    request.on('end', () => {
      response.writeHead(204);
      response.end();
    });
  });
  http.keepAliveTimeout = 60_000;
  // Clients close pooled connections abruptly between runs; a reset is not a sink failure.
  smtp.on('error', () => {});
  http.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const smtpAddress = smtp.server.address();
  const httpAddress = http.address();
  process.stdout.write(
    `${JSON.stringify({ smtp: typeof smtpAddress === 'object' && smtpAddress?.port, http: typeof httpAddress === 'object' && httpAddress?.port })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} else {
  await main();
}

interface RunResult {
  seconds: number;
  throughput: number;
  p50: number;
  p95: number;
  p99: number;
  cpuMicrosPerMessage: number;
  failures: number;
  /** Messages not delivered when the run limit cut the run off. */
  unfinished: number;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

/**
 * Offers `count` sends (at `rate`/s, or all at once when rate is Infinity) and measures, per
 * message, the time from the offer to the delivery callback.
 */
async function drive(
  count: number,
  rate: number,
  offer: (index: number, done: (ok: boolean) => void) => void,
): Promise<RunResult> {
  // Let the sinks finish whatever a previous (cut-off) run left behind.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const latencies: number[] = [];
  let failures = 0;
  let finished = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const started = performance.now();
  const cpu = await cpuMicros(async () => {
    const send = (index: number): void => {
      const offeredAt = performance.now();
      offer(index, (ok) => {
        if (ok) latencies.push(performance.now() - offeredAt);
        else failures++;
        if (++finished === count) resolveAll();
      });
    };
    if (!Number.isFinite(rate)) {
      for (let index = 0; index < count; index++) send(index);
    } else {
      const perTick = rate / 100;
      let sent = 0;
      while (sent < count && performance.now() - started < RUN_LIMIT_MS) {
        const due = Math.min(count, Math.floor(((performance.now() - started) / 10 + 1) * perTick));
        while (sent < due) send(sent++);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    await Promise.race([
      all,
      new Promise((resolve) => setTimeout(resolve, Math.max(0, RUN_LIMIT_MS - (performance.now() - started)))),
    ]);
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    seconds,
    throughput: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    cpuMicrosPerMessage: cpu / Math.max(1, latencies.length),
    failures,
    unfinished: count - finished,
  };
}

async function viaNotifier(
  name: string,
  channel: NotificationChannel,
  count: number,
  rate: number,
): Promise<RunResult> {
  const notifier = createNotifier({ channels: { [name]: channel }, breaker: false, retry: { initialDelay: '100ms' } });
  const callbacks = new Map<string, (ok: boolean) => void>();
  notifier.onEvent((event) => {
    if (event.type !== 'delivered' && event.type !== 'dead-lettered') return;
    callbacks.get(event.idempotencyKey)?.(event.type === 'delivered');
    callbacks.delete(event.idempotencyKey);
  });
  const result = await drive(count, rate, (index, done) => {
    const key = `${name}-${rate}-${index}`;
    callbacks.set(key, done);
    notifier
      .send(
        { to: ['user@example.com'], subject: `Message ${index}`, text: 'Hello from the benchmark' },
        { idempotencyKey: key },
      )
      .catch(() => done(false));
  });
  await notifier.close({ timeout: 0 });
  return result;
}

async function main(): Promise<void> {
  const pin =
    spawnSync('sh', ['-c', 'command -v taskset']).status === 0 && (await import('node:os')).availableParallelism() >= 2;
  const self = fileURLToPath(import.meta.url);
  const sinkArgs = [...process.execArgv, self, '--sink'];
  const sink = pin ? spawn('taskset', ['-c', '0', process.execPath, ...sinkArgs]) : spawn(process.execPath, sinkArgs);
  if (pin) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
  sink.stderr.pipe(process.stderr);
  const ports = await new Promise<{ smtp: number; http: number }>((resolve) => {
    sink.stdout.once('data', (chunk: Buffer) =>
      resolve(JSON.parse(chunk.toString()) as { smtp: number; http: number }),
    );
  });
  const webhookUrl = `http://127.0.0.1:${ports.http}/hook`;
  console.log(`sinks: smtp :${ports.smtp}, http :${ports.http}; ${MESSAGES} messages at ${RATE} msg/s; pinned=${pin}`);

  const rawSmtp = async (count: number, rate: number): Promise<RunResult> => {
    const transport = createTransport({
      pool: true,
      host: '127.0.0.1',
      port: ports.smtp,
      maxConnections: POOL,
      maxMessages: 100,
    });
    const result = await drive(count, rate, (index, done) => {
      transport
        .sendMail({
          from: 'bench@example.com',
          to: 'user@example.com',
          subject: `Message ${index}`,
          text: 'Hello from the benchmark',
        })
        .then(
          () => done(true),
          () => done(false),
        );
    });
    transport.close();
    return result;
  };
  const rawWebhook = (count: number, rate: number): Promise<RunResult> => {
    const key = Buffer.from(SECRET.slice(6), 'base64');
    // Same concurrency as the webhook channel below: unbounded fetch opens a socket per request.
    let inFlight = 0;
    const waiting: (() => void)[] = [];
    const limited = (task: () => Promise<void>): void => {
      const run = (): void => {
        inFlight++;
        void task().finally(() => {
          inFlight--;
          waiting.shift()?.();
        });
      };
      if (inFlight < WEBHOOK_CONCURRENCY) run();
      else waiting.push(run);
    };
    return drive(count, rate, (index, done) =>
      limited(async () => {
        const body = JSON.stringify({
          type: 'notification',
          data: { subject: `Message ${index}`, text: 'Hello from the benchmark' },
        });
        const id = `raw-${rate}-${index}`;
        const timestamp = Math.floor(Date.now() / 1000);
        const signature = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
        await fetch(webhookUrl, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signature,
          },
        }).then(
          async (response) => {
            await response.arrayBuffer();
            done(response.ok);
          },
          () => done(false),
        );
      }),
    );
  };
  const notifySmtp = (count: number, rate: number) =>
    viaNotifier(
      'email',
      smtpChannel({ host: '127.0.0.1', port: ports.smtp, from: 'bench@example.com', maxConnections: POOL }),
      count,
      rate,
    );
  const notifyWebhook = (count: number, rate: number) =>
    viaNotifier(
      'hooks',
      webhookChannel({ url: webhookUrl, secret: SECRET, concurrency: WEBHOOK_CONCURRENCY }),
      count,
      rate,
    );

  // Warm-up so connection pools and the JIT are settled.
  for (const run of [rawSmtp, notifySmtp, rawWebhook, notifyWebhook]) {
    const warm = await run(Math.min(200, MESSAGES), Infinity);
    if (process.env.BENCH_DEBUG) console.log(run.name, warm);
  }

  const paced: Record<string, RunResult> = {};
  console.log('running paced contenders…');
  paced['raw nodemailer pool (anchor)'] = await rawSmtp(MESSAGES, RATE);
  paced['notify smtpChannel'] = await notifySmtp(MESSAGES, RATE);
  paced['raw fetch + HMAC (anchor)'] = await rawWebhook(MESSAGES, RATE);
  paced['notify webhookChannel'] = await notifyWebhook(MESSAGES, RATE);
  const unpaced: Record<string, RunResult> = {};
  const gentle: Record<string, RunResult> = {};
  console.log(`running contenders at ${LOW_RATE} msg/s…`);
  gentle['raw nodemailer pool (anchor)'] = await rawSmtp(LOW_MESSAGES, LOW_RATE);
  gentle['notify smtpChannel'] = await notifySmtp(LOW_MESSAGES, LOW_RATE);
  gentle['raw fetch + HMAC (anchor)'] = await rawWebhook(LOW_MESSAGES, LOW_RATE);
  gentle['notify webhookChannel'] = await notifyWebhook(LOW_MESSAGES, LOW_RATE);
  console.log('running unpaced contenders…');
  unpaced['raw nodemailer pool (anchor)'] = await rawSmtp(MESSAGES, Infinity);
  unpaced['notify smtpChannel'] = await notifySmtp(MESSAGES, Infinity);
  unpaced['raw fetch + HMAC (anchor)'] = await rawWebhook(MESSAGES, Infinity);
  unpaced['notify webhookChannel'] = await notifyWebhook(MESSAGES, Infinity);
  sink.stdin.end();

  // Queue overhead without I/O: send → delivered through a memory channel, against calling
  // the same channel directly (the anchor). Median of 5 rounds of 20,000 messages.
  const overhead: Record<string, number> = {
    'memory channel called directly (anchor)': 0,
    'notify send → delivered': 0,
  };
  const direct: number[] = [];
  const queued: number[] = [];
  const OVERHEAD_MESSAGES = 20_000;
  for (let round = 0; round < 5; round++) {
    const inbox = memoryChannel({ concurrency: 50 });
    const signal = new AbortController().signal;
    const delivery = (index: number): Delivery => ({
      id: `d${index}`,
      idempotencyKey: `k${index}`,
      channel: 'inbox',
      attempt: 1,
      enqueuedAt: 0,
      message: { to: [], subject: `m${index}`, text: 'hello', severity: 'info', status: 'firing' },
    });
    direct.push(
      (await cpuMicros(async () => {
        for (let index = 0; index < OVERHEAD_MESSAGES; index++) await inbox.deliver(delivery(index), { signal });
      })) / OVERHEAD_MESSAGES,
    );
    const notifier = createNotifier({ channels: { inbox: memoryChannel({ concurrency: 50 }) }, breaker: false });
    queued.push(
      (await cpuMicros(async () => {
        for (let index = 0; index < OVERHEAD_MESSAGES; index++) {
          void notifier.send({ subject: `m${index}`, text: 'hello' }, { idempotencyKey: `o${round}-${index}` });
        }
        await notifier.flush();
      })) / OVERHEAD_MESSAGES,
    );
    await notifier.close();
  }
  overhead['memory channel called directly (anchor)'] = median(direct);
  overhead['notify send → delivered'] = median(queued);

  const table = (title: string, results: Record<string, RunResult>) => {
    console.log(`\n${title}`);
    console.log(
      `  ${'contender'.padEnd(32)} ${'msg/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'CPU µs/msg'.padStart(11)} failed unfinished`,
    );
    for (const [name, result] of Object.entries(results)) {
      console.log(
        `  ${name.padEnd(32)} ${result.throughput.toFixed(0).padStart(8)} ${result.p50.toFixed(1).padStart(8)} ${result.p95.toFixed(1).padStart(8)} ${result.p99.toFixed(1).padStart(8)} ${result.cpuMicrosPerMessage.toFixed(0).padStart(11)} ${String(result.failures).padStart(6)} ${result.unfinished}`,
      );
    }
  };
  table(`Offered ${RATE} msg/s, ${MESSAGES} messages per contender`, paced);
  table(`Offered ${LOW_RATE} msg/s, ${LOW_MESSAGES} messages per contender`, gentle);
  table(`Unpaced (all ${MESSAGES} offered at once)`, unpaced);
  const pick = (results: Record<string, RunResult>, field: keyof RunResult) =>
    Object.fromEntries(Object.entries(results).map(([name, result]) => [name, result[field]]));
  report(
    'SMTP: CPU per message at 1,000 msg/s',
    pick({ a: paced['raw nodemailer pool (anchor)'], b: paced['notify smtpChannel'] }, 'cpuMicrosPerMessage'),
    'a',
    'µs',
  );
  report(
    'Webhook: CPU per message at 1,000 msg/s',
    pick({ a: paced['raw fetch + HMAC (anchor)'], b: paced['notify webhookChannel'] }, 'cpuMicrosPerMessage'),
    'a',
    'µs',
  );
  report('Unpaced throughput', pick(unpaced, 'throughput'), 'raw nodemailer pool (anchor)', 'msg/s');
  report('Queue CPU per message, no I/O', overhead, 'memory channel called directly (anchor)', 'µs');
  const target = Object.entries(paced)
    .filter(([name]) => name.startsWith('notify'))
    .map(([name, result]) => `${name}: p95 ${result.p95.toFixed(1)} ms ${result.p95 < 1000 ? '< 1 s ✓' : '>= 1 s ✗'}`);
  console.log(`\nTarget p95 < 1 s at ${RATE} msg/s: ${target.join('; ')}`);
  saveResults({ messages: MESSAGES, rate: RATE, lowRate: LOW_RATE, pinned: pin, paced, gentle, unpaced, overhead });
}
