import { TelltaleError } from '@telltale/core';
import { sharedQueue, storingCount } from './outbox-writes.js';
import type { NotifierState } from './state.js';

// With a shared queue: what keeps this process's claims its own, and what `flush()` waits for.

/** With a shared queue, `flush()` waits until the queue holds nothing pending (any process's). */
export async function queueDrained(state: NotifierState): Promise<boolean> {
  const queue = sharedQueue(state)!;
  // A fallback copy still being written is not in the queue's list yet.
  if (state.queued > 0 || state.accepting > 0 || storingCount(state) > 0) return false;
  try {
    return (await queue.list({ state: 'pending' })).length === 0;
  } catch (error) {
    throw TelltaleError.is(error) ? error : new TelltaleError('TELLTALE_NOTIFY_STORE_UNAVAILABLE', String(error));
  }
}

/** Keeps this process's claims (waiting for a token, or in flight) from being taken over while it lives. */
export async function renewLeases(state: NotifierState): Promise<void> {
  if (state.leases.size === 0) return;
  const queue = sharedQueue(state)!;
  const held = [...state.leases.values()];
  try {
    const renewed = await queue.renew(held, state.leaseMs, state.settings.clock.now());
    // Set only where the claim is still ours here (it may have ended meanwhile).
    for (const lease of renewed)
      if (state.leases.get(lease.id)?.token === lease.token) state.leases.set(lease.id, lease);
    const renewedIds = new Set(renewed.map((lease) => lease.id));
    const lost = held.filter((lease) => !renewedIds.has(lease.id) && state.leases.get(lease.id)?.token === lease.token);
    if (lost.length > 0)
      state.settings.logger.warn(
        { lost: lost.length },
        'notify: some claims expired before they could be renewed; another process may deliver them too',
      );
  } catch (error) {
    state.settings.logger.debug({ err: error }, 'notify: renewing claims failed');
  }
}
