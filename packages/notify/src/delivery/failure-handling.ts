import type { DeliveryErrorSummary, OutboxRecord } from '../store.js';
import { toDeadLetter } from './dead-letters.js';
import { pump } from './delivery-loop.js';
import { decideFailure } from './failure-decision.js';
import { fallbackFor, fallbackRecord } from './fallback.js';
import type { Lane } from './lanes.js';
import { settleWaiter } from './outcomes.js';
import { sharedQueue, writeDead, writeLater, writeNew } from './outbox-writes.js';
import { kickFeed } from './queue-feed.js';
import { about, checkIdle, emit, type NotifierState } from './state.js';

/** Applies the decision on a failed attempt: pause, retry later, dead-letter, or disable the channel. */
export function onFailed(state: NotifierState, lane: Lane, record: OutboxRecord, error: unknown): void {
  const { settings, telemetry } = state;
  const now = settings.clock.now();
  const decision = decideFailure(settings, {
    error,
    record,
    rateLimitStreak: lane.rateLimitStreak,
    canFallBack: fallbackFor(state, lane, record) !== undefined,
    now,
  });
  switch (decision.kind) {
    case 'circuit-fallback':
      record.lastError = decision.summary;
      deadLetter(state, lane, record, decision.summary);
      return;
    case 'circuit-open':
      // The breaker refused locally: not an attempt. Pause the lane until it lets probes through.
      lane.pausedUntil = Math.max(lane.pausedUntil, now + decision.wait);
      if (sharedQueue(state)) {
        // Another process's breaker may be closed: hand the delivery back for when this one probes again.
        record.nextAttemptAt = now + decision.wait;
        writeLater(state, record);
      } else lane.ready.unshift(record);
      telemetry.delivery(lane.name, 'circuit_open');
      emit(state, {
        type: 'circuit-rejected',
        channel: lane.name,
        ...about(record),
        attempt: record.attempts,
        delayMs: decision.wait,
      });
      return;
    case 'rate-limited':
      record.lastError = decision.summary;
      lane.rateLimitStreak = decision.streak;
      lane.pausedUntil = Math.max(lane.pausedUntil, now + decision.wait);
      record.nextAttemptAt = now + decision.wait;
      if (!sharedQueue(state)) lane.ready.unshift(record);
      writeLater(state, record);
      // Every process sending on this channel pauses, not only this one.
      sharedQueue(state)
        ?.throttle?.pause(lane.name, now + decision.wait)
        .catch(() => {});
      telemetry.delivery(lane.name, 'rate_limited');
      settings.logger.warn(
        { channel: lane.name, deliveryId: record.id, delayMs: decision.wait },
        'notification channel rate-limited; pausing',
      );
      emit(state, {
        type: 'rate-limited',
        channel: lane.name,
        ...about(record),
        attempt: record.attempts,
        delayMs: decision.wait,
        error: decision.summary,
      });
      return;
    case 'disable-channel':
      record.lastError = decision.summary;
      record.attempts = decision.attempts;
      deadLetter(state, lane, record, decision.summary);
      disableLane(state, lane, decision.summary);
      return;
    case 'dead-letter':
      record.lastError = decision.summary;
      record.attempts = decision.attempts;
      deadLetter(state, lane, record, decision.summary);
      return;
    case 'retry':
      record.lastError = decision.summary;
      record.attempts = decision.attempts;
      record.nextAttemptAt = now + decision.wait;
      if (!sharedQueue(state)) lane.delayed.push(record);
      writeLater(state, record);
      telemetry.delivery(lane.name, 'retried');
      settings.logger.warn(
        {
          channel: lane.name,
          deliveryId: record.id,
          attempt: record.attempts,
          delayMs: decision.wait,
          error: decision.summary.message,
        },
        'notification delivery failed; will retry',
      );
      emit(state, {
        type: 'retry-scheduled',
        channel: lane.name,
        ...about(record),
        attempt: record.attempts,
        delayMs: decision.wait,
        error: decision.summary,
      });
  }
}

/** Stops a channel whose endpoint is gone: everything queued on it is dead-lettered. */
export function disableLane(state: NotifierState, lane: Lane, summary: DeliveryErrorSummary): void {
  lane.disabled = summary;
  state.settings.logger.error(
    { channel: lane.name, status: summary.status, error: summary.message },
    'notification endpoint is gone; channel disabled and its queue dead-lettered',
  );
  emit(state, { type: 'channel-disabled', channel: lane.name, error: summary });
  const reason = { ...summary, message: `endpoint disabled: ${summary.message}` };
  for (const record of [...lane.ready.drain(), ...lane.delayed.splice(0)])
    deadLetter(state, lane, record, record.lastError ?? reason);
}

/** Moves a delivery to the dead letters, and hands it to the channel's fallback if there is one. */
export function deadLetter(
  state: NotifierState,
  lane: Lane,
  record: OutboxRecord,
  summary: DeliveryErrorSummary,
): void {
  const { clock, logger } = state.settings;
  const now = clock.now();
  state.queued--;
  record.state = 'dead';
  record.lastError = summary;
  record.deadAt = now;
  lane.dead.set(record.id, record);
  writeDead(state, record);
  state.telemetry.delivery(lane.name, 'dead_lettered');
  logger.error(
    { channel: lane.name, deliveryId: record.id, attempts: record.attempts, error: summary.message },
    'notification dead-lettered',
  );
  emit(state, {
    type: 'dead-lettered',
    channel: lane.name,
    ...about(record),
    attempt: record.attempts,
    error: summary,
  });
  const fallback = fallbackFor(state, lane, record);
  if (fallback !== undefined) {
    const copy = fallbackRecord(state, record, lane, fallback, summary.message, now);
    logger.warn(
      { channel: lane.name, fallback: fallback.name, deliveryId: record.id },
      'notification falls back to another channel',
    );
    const tracker = state.trackers.get(record.messageId);
    tracker?.remaining.add(copy.id);
    tracker?.records.set(copy.id, copy);
    writeNew(state, copy);
    if (sharedQueue(state)) kickFeed(state, fallback);
    else {
      state.queued++;
      fallback.ready.push(copy);
      pump(state, fallback);
    }
  }
  settleWaiter(state, record, undefined, fallback === undefined ? toDeadLetter(record) : undefined);
  checkIdle(state);
}
