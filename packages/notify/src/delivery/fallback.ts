import type { OutboxRecord } from '../store.js';
import type { Lane } from './lanes.js';
import { personalize, recipientOf } from './recipient-delivery.js';
import type { NotifierConfig } from './state.js';

/** The fallback lane for a failed delivery: configured, not itself a fallback, able to carry the message. Pure. */
export function fallbackFor(config: NotifierConfig, lane: Lane, record: OutboxRecord): Lane | undefined {
  const name = config.fallbacks.get(lane.name);
  if (name === undefined || record.fallbackFrom !== undefined) return undefined;
  const target = config.lanes.get(name)!;
  if (target.disabled) return undefined;
  if (record.recipient !== undefined) {
    // A recipient's delivery falls back only to a channel that has their address.
    return config.recipients.get(record.recipient.id)?.addresses.has(name) ? target : undefined;
  }
  if (target.channel.addressesPeople && record.message.to.length === 0) return undefined;
  return target;
}

/** The new delivery that carries a dead-lettered `record` on its `fallback` lane. */
export function fallbackRecord(
  config: NotifierConfig,
  record: OutboxRecord,
  from: Lane,
  fallback: Lane,
  reason: string,
  now: number,
): OutboxRecord {
  const person = record.recipient === undefined ? undefined : config.recipients.get(record.recipient.id);
  return {
    id:
      person === undefined
        ? `${record.messageId}:${fallback.name}:fallback-from-${from.name}`
        : `${record.messageId}:${person.id}:${fallback.name}:fallback-from-${from.name}`,
    messageId: record.messageId,
    channel: fallback.name,
    idempotencyKey: record.idempotencyKey,
    message: person === undefined ? record.message : personalize(record.message, fallback, person),
    ...(person === undefined ? {} : { recipient: recipientOf(person, fallback.name) }),
    state: 'pending',
    attempts: 0,
    enqueuedAt: now,
    nextAttemptAt: now,
    fallbackFrom: { channel: from.name, reason, at: now },
  };
}
