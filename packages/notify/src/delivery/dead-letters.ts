import { describeError, redactSecrets, TelltaleError } from '@telltale/core';
import { classify, NotifyDeliveryError } from '../errors.js';
import type { DeadLetter } from '../notifier-types.js';
import type { DeliveryErrorSummary, OutboxRecord } from '../store.js';
import { recipientIdempotencyKey } from '../recipients.js';

/** The key a channel sees for a record: the send's key, or the one derived for its recipient. */
export function deliveryKey(record: OutboxRecord): string {
  return record.recipient === undefined
    ? record.idempotencyKey
    : recipientIdempotencyKey(record.idempotencyKey, record.recipient.id, record.channel);
}

/** The storable summary of a failed attempt: redacted, bounded, no stack or cause. */
export function toSummary(error: unknown, at: number): DeliveryErrorSummary {
  const classification = classify(error);
  const delivery = NotifyDeliveryError.is(error) ? error : undefined;
  const message = describeError(error);
  return {
    message: redactSecrets(message).slice(0, 500),
    code: TelltaleError.is(error) ? error.code : 'TELLTALE_NOTIFY_DELIVERY',
    classification,
    ...(delivery?.status === undefined ? {} : { status: delivery.status }),
    ...(delivery?.providerCode === undefined ? {} : { providerCode: delivery.providerCode }),
    at,
  };
}

/** The public view of a dead-lettered record. */
export function toDeadLetter(record: OutboxRecord): DeadLetter {
  return {
    id: record.id,
    messageId: record.messageId,
    channel: record.channel,
    idempotencyKey: deliveryKey(record),
    ...(record.recipient === undefined ? {} : { recipient: record.recipient }),
    message: record.message,
    attempts: record.attempts,
    enqueuedAt: record.enqueuedAt,
    deadAt: record.deadAt ?? record.enqueuedAt,
    error: record.lastError ?? {
      message: 'unknown',
      code: 'TELLTALE_NOTIFY_DELIVERY',
      classification: 'permanent',
      at: record.deadAt ?? 0,
    },
  };
}

/** The error `send(..., { await: 'delivered' })` rejects with when deliveries were dead-lettered. */
export function undeliveredError(messageId: string, failures: readonly DeadLetter[]): TelltaleError {
  const channels = failures.map((failure) => failure.channel).join(', ');
  return new TelltaleError(
    'TELLTALE_NOTIFY_UNDELIVERED',
    `Message was dead-lettered on: ${channels} (${failures[0]?.error.message ?? 'unknown error'})`,
    {
      details: {
        messageId,
        deadLetters: failures.map((failure) => ({ id: failure.id, channel: failure.channel, error: failure.error })),
      },
    },
  );
}
