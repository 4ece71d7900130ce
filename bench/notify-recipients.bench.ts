// Per-recipient preferences: the queue's CPU per delivery, without I/O, when a message fans out
// to named recipients (personalised message, derived idempotency key, quiet-hours checks) against
// the same queue sending a plain broadcast (the anchor), in the same run. Median of 5 rounds of
// 20,000 deliveries each.
import { createNotifier, memoryChannel, type NotifierOptions, type SendOptions } from '@telltale/notify';
import { cpuMicros, median, report, saveResults } from './harness.js';

const DELIVERIES = 20_000;
const ROUNDS = 5;

async function cpuPerDelivery(
  options: Partial<NotifierOptions>,
  sendOptions: (index: number) => SendOptions,
  deliveriesPerSend: number,
): Promise<number> {
  const notifier = createNotifier({
    channels: { email: memoryChannel({ concurrency: 50 }), sms: memoryChannel({ concurrency: 50 }) },
    breaker: false,
    ...options,
  });
  const sends = DELIVERIES / deliveriesPerSend;
  const micros = await cpuMicros(async () => {
    for (let index = 0; index < sends; index++) {
      void notifier.send({ subject: `m${index}`, text: 'hello', severity: 'warning' }, sendOptions(index));
    }
    await notifier.flush();
  });
  await notifier.close();
  return micros / DELIVERIES;
}

// A window that is never open during a run (03:00–03:01 in Kolkata is 21:30 UTC): the checks run, nothing waits.
const quietHours = { start: '03:00', end: '03:01' } as const;
const people = {
  ana: { addresses: { email: 'ana@example.com' } },
  ben: { addresses: { email: 'ben@example.com', sms: '+12125550100' } },
  ravi: { addresses: { email: 'ravi@example.com', sms: '+919812345678' }, timezone: 'Asia/Kolkata', quietHours },
};
const contenders: Record<string, () => Promise<number>> = {
  'broadcast to one channel (anchor)': () =>
    cpuPerDelivery({}, (index) => ({ channels: ['email'], idempotencyKey: `b${index}` }), 1),
  'one recipient, one channel': () =>
    cpuPerDelivery({ recipients: people }, (index) => ({ recipients: ['ana'], idempotencyKey: `a${index}` }), 1),
  'one recipient with quiet hours': () =>
    cpuPerDelivery({ recipients: people }, (index) => ({ recipients: ['ravi'], idempotencyKey: `q${index}` }), 2),
  'fan-out: 3 recipients, 5 deliveries': () =>
    cpuPerDelivery(
      { recipients: people },
      (index) => ({ recipients: ['ana', 'ben', 'ravi'], idempotencyKey: `f${index}` }),
      5,
    ),
};

const samples: Record<string, number[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  // Interleaved, so drift in machine load spreads over every contender.
  for (const [name, run] of Object.entries(contenders)) (samples[name] ??= []).push(await run());
}
const rows = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
report('Queue CPU per delivery, no I/O', rows, 'broadcast to one channel (anchor)', 'µs');
saveResults({ deliveries: DELIVERIES, rounds: ROUNDS, cpuMicrosPerDelivery: rows });
