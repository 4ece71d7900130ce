import { randomUUID } from 'node:crypto';
import { options as check, TelltaleError } from '@telltale/core';
import {
  validateKey,
  validateMessage,
  type NormalizedMessage,
  type NotificationMessage,
  type TemplatedMessage,
} from '../message.js';
import type { PlannedDelivery, SendOptions, SendReceipt } from '../notifier-types.js';
import type { IdempotencyEntry, OutboxRecord } from '../store.js';
import { deliveryKey } from './dead-letters.js';
import { pendingKeyWrite, pruneKeys, writeThrough } from './dedup.js';
import { defer, pump, schedulePump } from './delivery-loop.js';
import { deadLetter } from './failure-handling.js';
import { track, waitFor } from './outcomes.js';
import { chooseTargets, expand, plan } from './planning.js';
import { releaseAt } from './recipient-delivery.js';
import { sharedQueue } from './outbox-writes.js';
import { kickFeed } from './queue-feed.js';
import { checkIdle, emit, type KeyEntry, type NotifierState } from './state.js';

/** `send()`: validates everything first (nothing is queued for a bad message), then accepts. */
export async function send(
  state: NotifierState,
  ready: Promise<void>,
  input: NotificationMessage | TemplatedMessage,
  sendOptions: SendOptions = {},
): Promise<SendReceipt> {
  if (state.closing) throw new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notifier is closed');
  const message = expand(state, input);
  check.object('send options', sendOptions);
  const { targets, recipientIds } = chooseTargets(state, message, sendOptions);
  const normalized = validateMessage(
    message,
    targets.some((name) => state.lanes.get(name)!.channel.addressesPeople),
  );
  const idempotencyKey =
    sendOptions.idempotencyKey === undefined
      ? `msg_${randomUUID()}`
      : validateKey('idempotencyKey', sendOptions.idempotencyKey);
  const awaitMode = check.oneOf('await', sendOptions.await, ['accepted', 'delivered'], 'accepted');
  // Counted from here so flush() also waits for sends that are not yet queued.
  state.accepting++;
  try {
    await ready;
    return await accept(state, {
      keyGiven: sendOptions.idempotencyKey !== undefined,
      normalized,
      targets,
      recipientIds,
      idempotencyKey,
      awaitMode,
      signal: sendOptions.signal,
    });
  } finally {
    state.accepting--;
    checkIdle(state);
  }
}

interface Acceptance {
  /** The caller gave the key (a random one is not worth remembering in a shared queue). */
  keyGiven: boolean;
  normalized: NormalizedMessage;
  targets: readonly string[];
  recipientIds: readonly string[];
  idempotencyKey: string;
  awaitMode: 'accepted' | 'delivered';
  signal: AbortSignal | undefined;
}

/** A send whose key was seen within the dedup window: nothing new is queued. */
async function duplicate(state: NotifierState, existing: KeyEntry, request: Acceptance): Promise<SendReceipt> {
  const { idempotencyKey } = request;
  emit(state, {
    type: 'duplicate-dropped',
    messageId: existing.messageId,
    channels: existing.channels,
    idempotencyKey,
  });
  const receipt: SendReceipt = {
    messageId: existing.messageId,
    idempotencyKey,
    duplicate: true,
    channels: existing.channels,
  };
  if (request.awaitMode !== 'delivered') return receipt;
  if (existing.outcome === 'dead') {
    throw new TelltaleError(
      'TELLTALE_NOTIFY_UNDELIVERED',
      'The original message with this idempotency key was dead-lettered',
      {
        details: { messageId: existing.messageId },
      },
    );
  }
  // Wait for the original's outcome (resolves at once if it is already delivered).
  return { ...receipt, results: await waitFor(state, existing.messageId, request.signal) };
}

async function accept(state: NotifierState, request: Acceptance): Promise<SendReceipt> {
  const { normalized, targets, recipientIds, idempotencyKey } = request;
  const { clock, maxQueued, idempotencyTtl } = state.settings;
  // A failed write leaves no trace, so then this send goes ahead as the first; a succeeded one makes it a duplicate.
  for (let writing = pendingKeyWrite(state, idempotencyKey); writing; writing = pendingKeyWrite(state, idempotencyKey))
    await writing;
  if (state.closing) throw new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notifier is closed');
  const now = clock.now();
  pruneKeys(state, now);
  const existing = state.keys.get(idempotencyKey);
  if (existing) return duplicate(state, existing, request);
  const messageId = randomUUID();
  const { records, skipped } = plan(state, normalized, targets, recipientIds, messageId, idempotencyKey, now);
  if (state.queued + records.length > maxQueued) {
    throw new TelltaleError('TELLTALE_NOTIFY_QUEUE_FULL', `The delivery queue is full (${maxQueued} deliveries)`, {
      // `maxQueueSize` is the deprecated name, kept in the details for one minor.
      details: { maxQueued, maxQueueSize: maxQueued },
    });
  }
  const channels = recipientIds.length === 0 ? targets : [...new Set(records.map((record) => record.channel))];
  const stored: IdempotencyEntry = { key: idempotencyKey, messageId, channels, expiresAt: now + idempotencyTtl };
  const entry: KeyEntry = { ...stored };
  // Nothing owed when every delivery was skipped.
  if (records.length === 0) entry.outcome = 'delivered';
  // Quiet hours are decided before the write, so the not-before time is durable with the record.
  const releases = records.map((record) => {
    const lane = state.lanes.get(record.channel)!;
    const release = lane.disabled
      ? now
      : releaseAt(state, record.channel, normalized.severity, record.recipient?.id, now);
    record.nextAttemptAt = release;
    return release;
  });
  // Write-through before acknowledging, so an accepted message survives a crash with a durable store.
  // The key is only reserved meanwhile (concurrent sends with it wait), and committed once written.
  const queue = sharedQueue(state);
  if (queue) {
    // One atomic step on the shared queue reserves the key (for every process) and stores the records.
    const reserved = request.keyGiven ? stored : { ...stored, expiresAt: now };
    const result = await queue.enqueue(
      reserved,
      records.map((record) => buryIfDisabled(state, record, now)),
      now,
    );
    if (result.duplicate) return duplicate(state, result.existing, request);
  } else await writeThrough(state, stored, entry, records);
  // With a shared queue another process may deliver: track only what someone waits for.
  if (records.length > 0 && (!queue || request.awaitMode === 'delivered')) track(state, messageId, records);
  const delivered = request.awaitMode === 'delivered' ? waitFor(state, messageId, request.signal) : undefined;
  delivered?.catch(() => {});
  const deliveries: PlannedDelivery[] = [];
  records.forEach((record, index) => {
    const lane = state.lanes.get(record.channel)!;
    const release = releases[index]!;
    // Built without object spreads: this runs once per delivery on the hot path.
    const planned: PlannedDelivery = {
      id: record.id,
      channel: record.channel,
      idempotencyKey: deliveryKey(record),
      status: release > now ? 'deferred' : 'queued',
    };
    if (record.recipient !== undefined) planned.recipient = record.recipient.id;
    if (release > now) planned.notBefore = release;
    deliveries.push(planned);
    if (queue && !lane.disabled) {
      // Stored in the shared queue: whichever process claims it first delivers it.
      if (release > now) defer(state, lane, record, release, now);
      else kickFeed(state, lane, record);
      return;
    }
    state.queued++;
    if (lane.disabled) {
      deadLetter(state, lane, record, {
        ...lane.disabled,
        message: `endpoint disabled: ${lane.disabled.message}`,
        at: now,
      });
      return;
    }
    if (release > now) {
      // Held back by quiet hours (the channel's or the recipient's); delivered when they end.
      defer(state, lane, record, release, now);
      schedulePump(state, lane, release - now);
      return;
    }
    lane.ready.push(record);
    pump(state, lane);
  });
  for (const skip of skipped) {
    deliveries.push(skip);
    noteSkipped(state, skip);
  }
  const receipt: SendReceipt = { messageId, idempotencyKey, duplicate: false, channels, deliveries };
  if (delivered) return { ...receipt, results: await delivered };
  return receipt;
}

function noteSkipped(state: NotifierState, skip: PlannedDelivery): void {
  state.telemetry.delivery(skip.channel, 'skipped');
  state.settings.logger.debug(
    { channel: skip.channel, deliveryId: skip.id, recipient: skip.recipient, reason: skip.reason },
    'notification skipped for a recipient',
  );
  emit(state, {
    type: 'skipped',
    channel: skip.channel,
    deliveryId: skip.id,
    idempotencyKey: skip.idempotencyKey,
    recipient: skip.recipient!,
    reason: 'below-min-severity',
  });
}

/** A delivery for a disabled channel goes to the shared queue as a dead letter already. */
function buryIfDisabled(state: NotifierState, record: OutboxRecord, now: number): OutboxRecord {
  const disabled = state.lanes.get(record.channel)!.disabled;
  if (!disabled) return record;
  return {
    ...record,
    state: 'dead',
    deadAt: now,
    lastError: { ...disabled, message: `endpoint disabled: ${disabled.message}`, at: now },
  };
}
