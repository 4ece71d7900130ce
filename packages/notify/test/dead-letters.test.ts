import { createManualClock } from '@telltale/core';
import { createNotifier, memoryChannel, type Notifier } from '@telltale/notify';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_PATHS } from './support/shared-memory-queue.js';

const notifiers: Notifier[] = [];
afterEach(async () => {
  for (const notifier of notifiers.splice(0)) await notifier.close({ timeout: 0 });
});

/** Values a careless channel may throw whose String() form throws. */
const HOSTILE: readonly [string, () => unknown, string][] = [
  ['a null-prototype object', () => Object.create(null) as unknown, '{}'],
  [
    'an object whose toString throws',
    () => ({
      toString() {
        throw new Error('toString exploded');
      },
    }),
    '{}',
  ],
  [
    'a null-prototype object with a message',
    () => Object.assign(Object.create(null) as object, { message: 'password=hunter2 refused' }),
    'password=*** refused',
  ],
];

describe.each(DELIVERY_PATHS)('dead letters of a channel that throws a value String() cannot print ($name)', (path) => {
  it.each(HOSTILE)(
    'dead-letters the delivery with a readable summary when it throws %s',
    async (_label, thrown, message) => {
      const clock = createManualClock({ now: 0 });
      const inbox = memoryChannel({
        behavior: () => {
          throw thrown();
        },
      });
      const notifier = createNotifier({
        channels: { inbox },
        clock,
        breaker: false,
        ...path.options(),
        retry: { maxAttempts: 2, initialDelay: '1s', jitter: 'none' },
      });
      notifiers.push(notifier);
      const delivered = notifier.send({ subject: 'x' }, { await: 'delivered' });
      const rejection = expect(delivered).rejects.toMatchObject({ code: 'TELLTALE_NOTIFY_UNDELIVERED' });
      await clock.advanceAsync(10_000);
      await rejection;
      expect(notifier.deadLetters()).toMatchObject([
        {
          channel: 'inbox',
          attempts: 2,
          error: { code: 'TELLTALE_NOTIFY_DELIVERY', classification: 'retryable', message },
        },
      ]);
      expect(notifier.stats().inbox).toMatchObject({ pending: 0, deadLetters: 1 });
    },
  );
});
