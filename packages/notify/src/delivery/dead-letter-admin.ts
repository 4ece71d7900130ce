import { TelltaleError } from '@telltale/core';
import type { ChannelStats, DeadLetter } from '../notifier-types.js';
import { toDeadLetter } from './dead-letters.js';
import { pump } from './delivery-loop.js';
import { sharedQueue } from './outbox-writes.js';
import { kickFeed, refresh, waitingCount } from './queue-feed.js';
import type { NotifierState } from './state.js';
import type { DeliveryQueue } from '../queue/queue-port.js';

/** Dead-lettered deliveries, oldest first. */
export function deadLetters(state: NotifierState, filter: { channel?: string } = {}): DeadLetter[] {
  const all: DeadLetter[] = [];
  for (const lane of state.lanes.values()) {
    if (filter.channel !== undefined && lane.name !== filter.channel) continue;
    for (const record of lane.dead.values()) all.push(toDeadLetter(record));
  }
  return all.sort((a, b) => a.deadAt - b.deadAt);
}

/** Requeues dead letters with a fresh retry budget, re-enabling their channels. */
export async function redrive(
  state: NotifierState,
  ready: Promise<void>,
  filter: { channel?: string; ids?: readonly string[] } = {},
): Promise<number> {
  if (state.closing) throw new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notifier is closed');
  await ready;
  const queue = sharedQueue(state);
  if (queue) return redriveShared(state, queue, filter);
  const ids = filter.ids === undefined ? undefined : new Set(filter.ids);
  const now = state.settings.clock.now();
  const { backend } = state.settings;
  if (backend.kind !== 'outbox') return 0;
  let count = 0;
  const saves: Promise<void>[] = [];
  for (const lane of state.lanes.values()) {
    if (filter.channel !== undefined && lane.name !== filter.channel) continue;
    const chosen = [...lane.dead.values()].filter((record) => ids === undefined || ids.has(record.id));
    if (chosen.length === 0) continue;
    lane.disabled = undefined;
    lane.pausedUntil = 0;
    for (const record of chosen) {
      lane.dead.delete(record.id);
      record.state = 'pending';
      record.attempts = 0;
      record.enqueuedAt = now;
      record.nextAttemptAt = now;
      delete record.deadAt;
      state.queued++;
      count++;
      lane.ready.push(record);
      saves.push(backend.store.save(record));
    }
    pump(state, lane);
  }
  await Promise.all(saves);
  if (count > 0) state.settings.logger.info({ count }, 'notifications redriven from the dead-letter list');
  return count;
}

/** Queue state per channel. */
export function stats(state: NotifierState): Record<string, ChannelStats> {
  const result: Record<string, ChannelStats> = {};
  const now = state.settings.clock.now();
  for (const lane of state.lanes.values()) {
    result[lane.name] = {
      // With a shared queue, also what this process stored there and has not seen claimed or ended.
      pending: lane.ready.length + lane.delayed.length + lane.inFlight + waitingCount(lane),
      inFlight: lane.inFlight,
      deadLetters: lane.dead.size,
      ...(lane.disabled ? { disabled: lane.disabled } : {}),
      ...(lane.pausedUntil > now ? { pausedUntil: lane.pausedUntil } : {}),
      ...(lane.breaker ? { breaker: lane.breaker.state } : {}),
    };
  }
  return result;
}

/** Redrives in the shared queue, so the dead letters of every process can be redriven from any. */
async function redriveShared(
  state: NotifierState,
  queue: DeliveryQueue,
  filter: { channel?: string; ids?: readonly string[] },
): Promise<number> {
  const count = await queue.redrive(filter, state.settings.clock.now());
  for (const lane of state.lanes.values()) {
    if (filter.channel !== undefined && lane.name !== filter.channel) continue;
    lane.disabled = undefined;
    lane.pausedUntil = 0;
  }
  await refresh(state);
  for (const lane of state.lanes.values()) kickFeed(state, lane);
  if (count > 0) state.settings.logger.info({ count }, 'notifications redriven from the dead-letter list');
  return count;
}
