import { createManualClock } from '@telltale/core';
import {
  createNotifier,
  memoryChannel,
  NotifyDeliveryError,
  pagerdutyChannel,
  slackChannel,
  teamsChannel,
  webhookChannel,
  type Delivery,
  type NotificationChannel,
  type NotifierOptions,
  type NotifyEvent,
} from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';
import { startPeer, type HttpPeer } from './support/http-peer.js';

const peers: HttpPeer[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const peer of peers.splice(0)) await peer.close();
});

describe.each(DELIVERY_PATHS)('createNotifier retry options ($name)', (path) => {
  async function retryDelays(retry: NotifierOptions['retry'], failures: number): Promise<number[]> {
    const clock = createManualClock({ now: 0 });
    let calls = 0;
    const inbox = memoryChannel({
      behavior: () => {
        if (++calls <= failures)
          throw new NotifyDeliveryError('down', { classification: 'retryable', provider: 'memory', status: 503 });
      },
    });
    const notifier = createNotifier({ channels: { inbox }, clock, breaker: false, retry, ...path.options() });
    closers.push(() => notifier.close({ timeout: 0 }));
    const events: NotifyEvent[] = [];
    notifier.onEvent((event) => events.push(event));
    await notifier.send({ subject: 'x' });
    for (let index = 0; index <= failures; index++) await clock.advanceAsync(60_000);
    return events.flatMap((event) => (event.type === 'retry-scheduled' ? [event.delayMs] : []));
  }

  it("takes exponential()'s names: initial, max, jitter", async () => {
    await expect(retryDelays({ initial: '2s', max: '8s', jitter: 'none' }, 4)).resolves.toEqual([
      2_000, 4_000, 8_000, 8_000,
    ]);
  });

  it('still accepts the deprecated initialDelay/maxDelay with the same meaning', async () => {
    await expect(retryDelays({ initialDelay: '2s', maxDelay: '8s', jitter: 'none' }, 4)).resolves.toEqual([
      2_000, 4_000, 8_000, 8_000,
    ]);
  });

  it("'equal' jitter (the default) keeps at least half of each wait", async () => {
    const delays = await retryDelays({ initial: '1s', max: '1m' }, 3);
    expect(delays).toHaveLength(3);
    delays.forEach((delay, index) => {
      expect(delay).toBeGreaterThanOrEqual(1_000 * 2 ** index * 0.5);
      expect(delay).toBeLessThanOrEqual(1_000 * 2 ** index);
    });
  });

  it('refuses an option given under both its name and its deprecated name', () => {
    const inbox = memoryChannel();
    expect(() => createNotifier({ channels: { inbox }, retry: { initial: '1s', initialDelay: '2s' } })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'retry.initialDelay' }),
    );
    expect(() => createNotifier({ channels: { inbox }, retry: { max: '1m', maxDelay: '2m' } })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'retry.maxDelay' }),
    );
    expect(() => createNotifier({ channels: { inbox }, retry: { max: 'soon' } })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'retry.max' }),
    );
  });
});

const delivery: Delivery = {
  id: 'm1:chat',
  idempotencyKey: 'k1',
  channel: 'chat',
  attempt: 1,
  enqueuedAt: Date.now(),
  message: { to: [], subject: 'Disk full', text: 'on db-1', severity: 'critical', status: 'firing', links: [] },
};

async function failure(channel: NotificationChannel): Promise<NotifyDeliveryError> {
  const error = await channel.deliver(delivery, { signal: new AbortController().signal }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(NotifyDeliveryError.is(error)).toBe(true);
  return error as NotifyDeliveryError;
}

describe('HTTP channels read Retry-After through the shared layer', () => {
  const channels: [string, (url: string) => NotificationChannel][] = [
    ['slack', (url) => slackChannel({ webhookUrl: url })],
    ['teams', (url) => teamsChannel({ webhookUrl: url })],
    ['pagerduty', (url) => pagerdutyChannel({ routingKey: 'R0UTINGKEY', url })],
    ['webhook', (url) => webhookChannel({ url, secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}` })],
  ];

  const replies = [
    { status: 429, retryAfter: '7', expected: { classification: 'rate-limited', retryAfterMs: 7_000 } },
    { status: 503, retryAfter: '30', expected: { classification: 'retryable', retryAfterMs: 30_000 } },
    // A notification never becomes smaller: 413 is permanent for every channel.
    { status: 413, retryAfter: undefined, expected: { classification: 'permanent', retryAfterMs: undefined } },
  ];
  const cases = channels.flatMap(([name, make]) => replies.map((reply) => ({ name, make, ...reply })));

  it.each(cases)('$name: HTTP $status with Retry-After $retryAfter', async ({ make, status, retryAfter, expected }) => {
    const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': retryAfter };
    const peer = await startPeer(() => ({ status, headers, body: 'no' }));
    peers.push(peer);
    const error = await failure(make(peer.url));
    expect({ classification: error.classification, retryAfterMs: error.retryAfterMs, status: error.status }).toEqual({
      ...expected,
      status,
    });
  });
});
