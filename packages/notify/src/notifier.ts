import { setMaxListeners } from 'node:events';
import { createEmitter, options as check, type DurationInput } from '@telltale/core';
import { send } from './delivery/acceptance.js';
import { resolveConfig } from './delivery/config.js';
import { deadLetters, redrive, stats } from './delivery/dead-letter-admin.js';
import { flush, loadOutbox, shutDown } from './delivery/lifecycle.js';
import { preview } from './delivery/planning.js';
import type { NotifierState } from './delivery/state.js';
import type { Notifier, NotifierOptions, NotifyEvent } from './notifier-types.js';
import { DEFAULT_LEASE_MS, waitingCount } from './delivery/queue-feed.js';
import type { NotifierSettings } from './delivery/lanes.js';
import { createTelemetry } from './telemetry.js';

/**
 * Creates a notifier: validates messages at `send`, queues one delivery per
 * channel, and delivers with per-channel concurrency, token-bucket rate
 * limits, jittered exponential retries that honour `Retry-After`, a circuit
 * breaker per channel, idempotency-key deduplication and a dead-letter list.
 * Nothing is dropped silently: every delivery ends delivered or dead-lettered.
 *
 * @example
 * ```ts
 * import { createNotifier, slackChannel, smtpChannel } from '@telltale/notify';
 * const notifier = createNotifier({
 *   channels: {
 *     email: smtpChannel({ host: 'smtp.example.com', from: 'noreply@example.com' }),
 *     ops: slackChannel({ webhookUrl: process.env.SLACK_WEBHOOK_URL! }),
 *   },
 * });
 * await notifier.send(
 *   { to: ['ana@example.com'], subject: 'Usage at 90%', text: 'You have used 90% of your plan.', severity: 'warning' },
 *   { idempotencyKey: 'usage-90-acct-42-2026-11' },
 * );
 * await notifier.close();
 * ```
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const config = resolveConfig(options);
  const { lanes, settings } = config;
  const events = createEmitter<NotifyEvent>((error) =>
    settings.logger.warn({ err: error }, 'notify event listener threw'),
  );
  const telemetry = createTelemetry(options.meterProvider, {
    *channels() {
      for (const lane of lanes.values()) {
        yield {
          channel: lane.name,
          // With a shared queue, also what this process stored there and has not seen claimed or ended.
          depth: lane.ready.length + lane.delayed.length + lane.inFlight + waitingCount(lane),
          deadLetters: lane.dead.size,
        };
      }
    },
  });
  const state: NotifierState = {
    ...config,
    events,
    telemetry,
    keys: new Map(),
    inFlightKeys: new Map(),
    trackers: new Map(),
    leases: new Map(),
    leaseMs: leaseOf(settings.backend),
    refreshTimer: undefined,
    renewTimer: undefined,
    idleWaiters: new Set(),
    progressWaiters: new Set(),
    abort: new AbortController(),
    queued: 0,
    accepting: 0,
    closing: false,
    closed: false,
  };
  // Every in-flight delivery listens on this one signal; with high concurrency that is by design.
  setMaxListeners(0, state.abort.signal);
  const ready = loadOutbox(state);

  let closedPromise: Promise<void> = Promise.resolve();
  function close(closeOptions: { timeout?: DurationInput } = {}): Promise<void> {
    const timeout = check.duration('close.timeout', closeOptions.timeout, '30s');
    if (state.closing) return closedPromise;
    state.closing = true;
    closedPromise = shutDown(state, ready, timeout);
    return closedPromise;
  }

  return {
    send: (message, sendOptions) => send(state, ready, message, sendOptions),
    preview: (templateName, vars) => preview(config, templateName, vars),
    flush: (flushOptions) => flush(state, ready, flushOptions),
    deadLetters: (filter) => deadLetters(state, filter),
    redrive: (filter) => redrive(state, ready, filter),
    stats: () => stats(state),
    onEvent: (listener) => events.on(listener),
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}

function leaseOf(backend: NotifierSettings['backend']): number {
  return backend.kind === 'queue' ? (backend.queue.leaseMs ?? DEFAULT_LEASE_MS) : DEFAULT_LEASE_MS;
}
