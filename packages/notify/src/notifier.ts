import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createEmitter, options as check, TelltaleConfigError, TelltaleError, type TimerHandle } from '@telltale/core';
import { circuitOpenWait } from './breaker.js';
import type { Delivery, DeliveryRecipient, DeliveryResult } from './channel.js';
import { deliveryKey, toDeadLetter, toSummary, undeliveredError } from './dead-letters.js';
import { NotifyDeliveryError, type FailureClassification } from './errors.js';
import { createLanes, resolveSettings, type Lane } from './lanes.js';
import {
  SEVERITIES,
  validateKey,
  validateMessage,
  type NormalizedMessage,
  type NotificationMessage,
  type Severity,
  type TemplatedMessage,
} from './message.js';
import { NotifyTemplateError, type RenderedTemplate } from './templates/registry.js';
import type {
  ChannelStats,
  DeadLetter,
  Notifier,
  NotifierOptions,
  NotifyEvent,
  PlannedDelivery,
  SendOptions,
  SendReceipt,
} from './notifier-types.js';
import type { DeliveryErrorSummary, IdempotencyEntry, OutboxRecord } from './store.js';
import { quietHoursRelease, resolveQuietHours } from './quiet-hours.js';
import { routeMessage, validateRoutes } from './routes.js';
import { resolveRecipients, type ResolvedRecipient } from './recipients.js';
import { createTelemetry } from './telemetry.js';

/** Tracks one sent message until every channel delivered or dead-lettered it. */
interface Tracker {
  remaining: Set<string>;
  results: Record<string, DeliveryResult>;
  failures: DeadLetter[];
  listeners: Set<(error: Error | undefined, results: Record<string, DeliveryResult>) => void>;
}

interface KeyEntry extends IdempotencyEntry {
  outcome?: 'delivered' | 'dead';
}

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
  const settings = resolveSettings(options);
  const { clock, logger, maxAttempts, backoff, maxRetryAfter, expireAfter, dedupWindow, maxQueueSize, store } =
    settings;
  const lanes = createLanes(options, settings);
  const channelNames = [...lanes.keys()];
  const recipients = resolveRecipients(
    options.recipients,
    new Map([...lanes.values()].map((lane) => [lane.name, lane.channel] as const)),
  );
  const routes = validateRoutes(options.routes, channelNames, [...recipients.keys()]);
  const fallbacks = new Map<string, string>();
  for (const [from, to] of Object.entries(check.object('fallbacks', options.fallbacks))) {
    if (!lanes.has(from) || typeof to !== 'string' || !lanes.has(to) || to === from) {
      throw new TelltaleConfigError({
        option: `fallbacks.${from}`,
        value: to,
        expected: `two different channel names (${channelNames.join(', ')})`,
      });
    }
    fallbacks.set(from, to);
  }
  const quietHours = new Map(
    Object.entries(options.quietHours ?? {}).map(([name, window]) => {
      if (!lanes.has(name)) {
        throw new TelltaleConfigError({
          option: `quietHours.${name}`,
          value: name,
          expected: `one of ${channelNames.join(', ')}`,
        });
      }
      return [name, resolveQuietHours(`quietHours.${name}`, window)] as const;
    }),
  );

  const events = createEmitter<NotifyEvent>((error) => logger.warn({ err: error }, 'notify event listener threw'));
  const telemetry = createTelemetry(options.meterProvider, {
    *channels() {
      for (const lane of lanes.values()) {
        yield {
          channel: lane.name,
          depth: lane.ready.length + lane.delayed.length + lane.inFlight,
          deadLetters: lane.dead.size,
        };
      }
    },
  });
  const keys = new Map<string, KeyEntry>();
  /** Keys whose send is being written to the store, until the write settles. */
  const inFlightKeys = new Map<string, Promise<void>>();
  const trackers = new Map<string, Tracker>();
  const idleWaiters = new Set<() => void>();
  const progressWaiters = new Set<() => void>();
  const abort = new AbortController();
  // Every in-flight delivery listens on this one signal; with high concurrency that is by design.
  setMaxListeners(0, abort.signal);
  let queued = 0;
  let accepting = 0;
  let closing = false;
  let closed = false;

  const emit = (event: NotifyEvent): void => {
    if (events.size > 0) events.emit(event);
  };

  /** The per-delivery fields of an event. */
  const about = (record: OutboxRecord): Pick<NotifyEvent, 'deliveryId' | 'idempotencyKey' | 'recipient'> => ({
    deliveryId: record.id,
    idempotencyKey: deliveryKey(record),
    ...(record.recipient === undefined ? {} : { recipient: record.recipient.id }),
  });

  /**
   * When a delivery may be attempted: `now`, or the end of the quiet hours
   * (its channel's, its recipient's, or both in turn) that hold it.
   */
  function releaseAt(channel: string, severity: Severity, recipientId: string | undefined, now: number): number {
    const channelQuiet = quietHours.get(channel);
    const personalQuiet = recipientId === undefined ? undefined : recipients.get(recipientId)?.quiet;
    if (channelQuiet === undefined && personalQuiet === undefined) return now;
    let at = now;
    // One window can end inside the other: follow them until neither holds (bounded).
    for (let round = 0; round < 4; round++) {
      let next = at;
      if (channelQuiet) next = quietHoursRelease(channelQuiet, severity, next);
      if (personalQuiet) next = quietHoursRelease(personalQuiet, severity, next);
      if (next === at) break;
      at = next;
    }
    return at;
  }

  /** Holds a delivery until `release` (quiet hours): persisted as its next attempt time, so it survives a restart. */
  function defer(lane: Lane, record: OutboxRecord, release: number, now: number): void {
    record.nextAttemptAt = release;
    lane.delayed.push(record);
    telemetry.delivery(lane.name, 'deferred');
    logger.debug(
      { channel: lane.name, deliveryId: record.id, notBefore: new Date(release).toISOString() },
      'notification deferred by quiet hours',
    );
    emit({
      type: 'deferred',
      channel: lane.name,
      ...about(record),
      attempt: record.attempts,
      delayMs: release - now,
      notBefore: release,
    });
  }

  // Store writes are fire-and-track: a failing store must not wedge the queue, but is logged.
  const persist = (operation: Promise<void>): void => {
    operation.catch((error: unknown) => logger.error({ err: error }, 'notify outbox store write failed'));
  };

  const ready = store.load().then(
    (snapshot) => {
      const now = clock.now();
      for (const entry of snapshot.idempotencyKeys) if (entry.expiresAt > now) keys.set(entry.key, { ...entry });
      for (const record of snapshot.records) {
        const lane = lanes.get(record.channel);
        if (!lane) {
          logger.warn(
            { channel: record.channel, deliveryId: record.id },
            'notify outbox holds a delivery for an unknown channel; left in the store',
          );
          continue;
        }
        if (record.state === 'dead') lane.dead.set(record.id, record);
        else {
          queued++;
          if (record.nextAttemptAt <= now) lane.ready.push(record);
          else lane.delayed.push(record);
        }
      }
      for (const lane of lanes.values()) schedulePump(lane, 0);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'notify outbox store failed to load');
      throw error;
    },
  );
  ready.catch(() => {});

  function checkIdle(): void {
    for (const notify of progressWaiters) notify();
    progressWaiters.clear();
    if (queued !== 0 || accepting !== 0 || idleWaiters.size === 0) return;
    for (const resolve of idleWaiters) resolve();
    idleWaiters.clear();
  }

  function schedulePump(lane: Lane, delay: number): void {
    if (closed) return;
    const at = clock.now() + delay;
    if (lane.timer !== undefined) {
      if (lane.timerAt <= at) return;
      clock.clearTimeout(lane.timer);
    }
    lane.timerAt = at;
    lane.timer = clock.setTimeout(
      () => {
        lane.timer = undefined;
        lane.timerAt = Infinity;
        pump(lane);
      },
      Math.max(0, delay),
    );
  }

  function earliestDelayed(lane: Lane): number {
    let earliest = Infinity;
    for (const record of lane.delayed) if (record.nextAttemptAt < earliest) earliest = record.nextAttemptAt;
    return earliest;
  }

  function promoteDue(lane: Lane, now: number): void {
    if (lane.delayed.length === 0 || earliestDelayed(lane) > now) return;
    const due = lane.delayed.filter((record) => record.nextAttemptAt <= now);
    lane.delayed = lane.delayed.filter((record) => record.nextAttemptAt > now);
    due.sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
    for (const record of due) lane.ready.push(record);
  }

  function pump(lane: Lane): void {
    if (closed) return;
    const now = clock.now();
    promoteDue(lane, now);
    // After a rate limit, probe with one delivery until the provider accepts again.
    const limit = lane.rateLimitStreak > 0 ? 1 : lane.concurrency;
    while (lane.inFlight < limit && lane.ready.length > 0) {
      if (now < lane.pausedUntil) {
        schedulePump(lane, lane.pausedUntil - now);
        return;
      }
      const record = lane.ready.shift()!;
      // A retry, a redrive or a record loaded after a restart can fall into quiet hours: it waits too.
      const release = releaseAt(lane.name, record.message.severity, record.recipient?.id, now);
      if (release > now) {
        defer(lane, record, release, now);
        persist(store.save(record));
        continue;
      }
      if (lane.bucket) {
        const wait = lane.bucket.take(now);
        if (wait > 0) {
          lane.ready.unshift(record);
          schedulePump(lane, wait);
          return;
        }
      }
      lane.inFlight++;
      void attempt(lane, record);
    }
    if (lane.ready.length === 0 && lane.delayed.length > 0)
      schedulePump(lane, Math.max(0, earliestDelayed(lane) - now));
  }

  async function attempt(lane: Lane, record: OutboxRecord): Promise<void> {
    const delivery: Delivery = {
      id: record.id,
      idempotencyKey: deliveryKey(record),
      channel: lane.name,
      message: record.message,
      attempt: record.attempts + 1,
      enqueuedAt: record.enqueuedAt,
      ...(record.fallbackFrom === undefined ? {} : { fallbackFrom: record.fallbackFrom.channel }),
      ...(record.recipient === undefined ? {} : { recipient: record.recipient }),
    };
    let result: DeliveryResult | undefined;
    let failure: unknown;
    try {
      const run = (signal: AbortSignal): Promise<DeliveryResult> => lane.channel.deliver(delivery, { signal });
      result = lane.breaker ? await lane.breaker.execute(run, abort.signal) : await run(abort.signal);
    } catch (error) {
      failure = error;
    }
    if (failure === undefined) {
      // The slot is held until the acknowledgement is written, so a crash can duplicate at most
      // `concurrency` deliveries per channel (those sent but not yet acknowledged).
      await onDelivered(lane, record, result ?? {});
      lane.inFlight--;
    } else {
      lane.inFlight--;
      if (closed && abort.signal.aborted) {
        // Aborted by close(): the record stays in the store for the next run.
        queued--;
        checkIdle();
        return;
      }
      onFailed(lane, record, failure);
    }
    pump(lane);
    checkIdle();
  }

  /** Resolves once the acknowledgement is written (a failed write is logged, not thrown). */
  function onDelivered(lane: Lane, record: OutboxRecord, result: DeliveryResult): Promise<void> {
    const now = clock.now();
    queued--;
    lane.rateLimitStreak = 0;
    const acknowledged = store
      .remove(record.id)
      .catch((error: unknown) => logger.error({ err: error }, 'notify outbox store write failed'));
    telemetry.delivery(lane.name, 'delivered');
    telemetry.latency(lane.name, Math.max(0, now - record.enqueuedAt) / 1000);
    logger.debug({ channel: lane.name, deliveryId: record.id, attempt: record.attempts + 1 }, 'notification delivered');
    // The hot path: build the event only for listeners.
    if (events.size > 0)
      emit({
        type: 'delivered',
        channel: lane.name,
        ...about(record),
        attempt: record.attempts + 1,
        ...(record.fallbackFrom === undefined ? {} : { fallbackFrom: record.fallbackFrom.channel }),
      });
    settleWaiter(record, result, undefined);
    return acknowledged;
  }

  function onFailed(lane: Lane, record: OutboxRecord, error: unknown): void {
    const now = clock.now();
    const openWait = circuitOpenWait(error);
    if (openWait !== false) {
      // The breaker refused locally: not an attempt. Pause the lane until it lets probes through.
      const wait = Math.max(10, openWait ?? 1000);
      if (fallbackFor(lane, record) !== undefined) {
        // With a fallback channel, an open breaker hands the message over instead of holding it.
        const reason = {
          message: 'circuit open',
          code: 'TELLTALE_NOTIFY_CIRCUIT_OPEN',
          classification: 'retryable' as const,
          at: now,
        };
        record.lastError = reason;
        deadLetter(lane, record, reason);
        return;
      }
      lane.pausedUntil = Math.max(lane.pausedUntil, now + wait);
      lane.ready.unshift(record);
      telemetry.delivery(lane.name, 'circuit_open');
      emit({
        type: 'circuit-open',
        channel: lane.name,
        ...about(record),
        attempt: record.attempts,
        delayMs: wait,
      });
      return;
    }
    const summary = toSummary(error, now);
    record.lastError = summary;
    const classification: FailureClassification = summary.classification;
    const expired = now - record.enqueuedAt >= expireAfter;
    if (classification === 'rate-limited' && !expired) {
      lane.rateLimitStreak++;
      const requested = NotifyDeliveryError.is(error) ? error.retryAfterMs : undefined;
      const wait = Math.min(maxRetryAfter, requested ?? backoff.delay(lane.rateLimitStreak, 0));
      lane.pausedUntil = Math.max(lane.pausedUntil, now + wait);
      record.nextAttemptAt = now + wait;
      lane.ready.unshift(record);
      persist(store.save(record));
      telemetry.delivery(lane.name, 'rate_limited');
      logger.warn(
        { channel: lane.name, deliveryId: record.id, delayMs: wait },
        'notification channel rate-limited; pausing',
      );
      emit({
        type: 'rate-limited',
        channel: lane.name,
        ...about(record),
        attempt: record.attempts,
        delayMs: wait,
        error: summary,
      });
      return;
    }
    record.attempts++;
    if (classification === 'endpoint-gone') {
      deadLetter(lane, record, summary);
      disableLane(lane, summary);
      return;
    }
    if (
      classification === 'permanent' ||
      classification === 'rate-limited' ||
      expired ||
      record.attempts >= maxAttempts
    ) {
      deadLetter(lane, record, summary);
      return;
    }
    // Retryable: exponential backoff, but never sooner than a Retry-After the provider sent with a 503.
    const requested =
      NotifyDeliveryError.is(error) && error.retryAfterMs !== undefined
        ? Math.min(maxRetryAfter, error.retryAfterMs)
        : 0;
    const wait = Math.max(requested, backoff.delay(record.attempts, 0));
    record.nextAttemptAt = now + wait;
    lane.delayed.push(record);
    persist(store.save(record));
    telemetry.delivery(lane.name, 'retried');
    logger.warn(
      { channel: lane.name, deliveryId: record.id, attempt: record.attempts, delayMs: wait, error: summary.message },
      'notification delivery failed; will retry',
    );
    emit({
      type: 'retry',
      channel: lane.name,
      ...about(record),
      attempt: record.attempts,
      delayMs: wait,
      error: summary,
    });
  }

  function disableLane(lane: Lane, summary: DeliveryErrorSummary): void {
    lane.disabled = summary;
    logger.error(
      { channel: lane.name, status: summary.status, error: summary.message },
      'notification endpoint is gone; channel disabled and its queue dead-lettered',
    );
    emit({
      type: 'channel-disabled',
      channel: lane.name,
      deliveryId: '',
      idempotencyKey: '',
      attempt: 0,
      error: summary,
    });
    const reason = { ...summary, message: `endpoint disabled: ${summary.message}` };
    for (const record of [...lane.ready.drain(), ...lane.delayed.splice(0)])
      deadLetter(lane, record, record.lastError ?? reason);
  }

  function deadLetter(lane: Lane, record: OutboxRecord, summary: DeliveryErrorSummary): void {
    const now = clock.now();
    queued--;
    record.state = 'dead';
    record.lastError = summary;
    record.deadAt = now;
    lane.dead.set(record.id, record);
    persist(store.save(record));
    telemetry.delivery(lane.name, 'dead_lettered');
    logger.error(
      { channel: lane.name, deliveryId: record.id, attempts: record.attempts, error: summary.message },
      'notification dead-lettered',
    );
    emit({
      type: 'dead-letter',
      channel: lane.name,
      ...about(record),
      attempt: record.attempts,
      error: summary,
    });
    const fallback = fallbackFor(lane, record);
    if (fallback !== undefined) {
      const person = record.recipient === undefined ? undefined : recipients.get(record.recipient.id);
      const copy: OutboxRecord = {
        id:
          person === undefined
            ? `${record.messageId}:${fallback.name}:fallback-from-${lane.name}`
            : `${record.messageId}:${person.id}:${fallback.name}:fallback-from-${lane.name}`,
        messageId: record.messageId,
        channel: fallback.name,
        idempotencyKey: record.idempotencyKey,
        message: person === undefined ? record.message : personalize(record.message, fallback, person),
        ...(person === undefined ? {} : { recipient: recipientOf(person, fallback.name) }),
        state: 'pending',
        attempts: 0,
        enqueuedAt: now,
        nextAttemptAt: now,
        fallbackFrom: { channel: lane.name, reason: summary.message, at: now },
      };
      logger.warn(
        { channel: lane.name, fallback: fallback.name, deliveryId: record.id },
        'notification falls back to another channel',
      );
      trackers.get(record.messageId)?.remaining.add(copy.id);
      queued++;
      persist(store.save(copy));
      fallback.ready.push(copy);
      pump(fallback);
    }
    settleWaiter(record, undefined, fallback === undefined ? toDeadLetter(record) : undefined);
    checkIdle();
  }

  /** The fallback lane for a failed delivery: configured, not itself a fallback, able to carry the message. */
  function fallbackFor(lane: Lane, record: OutboxRecord): Lane | undefined {
    const name = fallbacks.get(lane.name);
    if (name === undefined || record.fallbackFrom !== undefined) return undefined;
    const target = lanes.get(name)!;
    if (target.disabled) return undefined;
    if (record.recipient !== undefined) {
      // A recipient's delivery falls back only to a channel that has their address.
      return recipients.get(record.recipient.id)?.addresses.has(name) ? target : undefined;
    }
    if (target.channel.addressesPeople && record.message.to.length === 0) return undefined;
    return target;
  }

  /** The recipient on `channel`, as recorded on their delivery. */
  function recipientOf(person: ResolvedRecipient, channel: string): DeliveryRecipient {
    return {
      id: person.id,
      address: person.addresses.get(channel)!,
      ...(person.name === undefined ? {} : { name: person.name }),
    };
  }

  /** The message as one recipient gets it on `lane`: addressed to them alone. */
  function personalize(message: NormalizedMessage, lane: Lane, person: ResolvedRecipient): NormalizedMessage {
    const address = person.addresses.get(lane.name)!;
    return {
      ...message,
      to: lane.channel.addressesPeople
        ? [{ address, ...(person.name === undefined ? {} : { name: person.name }) }]
        : [],
    };
  }

  function settleWaiter(record: OutboxRecord, result: DeliveryResult | undefined, dead: DeadLetter | undefined): void {
    const key = keys.get(record.idempotencyKey);
    const owned = key?.messageId === record.messageId ? key : undefined;
    const tracker = trackers.get(record.messageId);
    if (!tracker) {
      // Loaded from the store after a restart: nobody waits, only the dedup entry learns the outcome.
      if (owned && dead) owned.outcome = 'dead';
      return;
    }
    tracker.remaining.delete(record.id);
    if (result)
      tracker.results[record.recipient ? `${record.channel}:${record.recipient.id}` : record.channel] = result;
    if (dead) tracker.failures.push(dead);
    if (tracker.remaining.size > 0) return;
    trackers.delete(record.messageId);
    if (owned) owned.outcome = tracker.failures.length === 0 ? 'delivered' : 'dead';
    const error = tracker.failures.length === 0 ? undefined : undeliveredError(record.messageId, tracker.failures);
    for (const listener of tracker.listeners) listener(error, tracker.results);
  }

  /** Resolves when every delivery of `messageId` is delivered; rejects when one is dead-lettered. */
  function waitFor(messageId: string, signal: AbortSignal | undefined): Promise<Record<string, DeliveryResult>> {
    const tracker = trackers.get(messageId);
    if (!tracker) return Promise.resolve({});
    return new Promise((resolve, reject) => {
      const listener = (error: Error | undefined, results: Record<string, DeliveryResult>): void => {
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(results);
      };
      const onAbort = (): void => {
        tracker.listeners.delete(listener);
        reject(
          new TelltaleError('TELLTALE_ABORTED', 'Stopped waiting for delivery; the message is still queued', {
            cause: signal?.reason,
          }),
        );
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      tracker.listeners.add(listener);
    });
  }

  /**
   * Writes a send's key and records. On failure nothing of it may survive: the
   * key stays unknown (so the caller's retry is accepted, not a "duplicate" of
   * a message that was never queued), and whatever part a non-atomic store did
   * write is undone (the key expired, the records removed) so a restart does
   * not deliver what the caller was told failed.
   */
  async function writeThrough(
    entry: IdempotencyEntry,
    kept: KeyEntry,
    records: readonly OutboxRecord[],
  ): Promise<void> {
    let settle = (): void => {};
    inFlightKeys.set(entry.key, new Promise<void>((resolve) => (settle = resolve)));
    try {
      await Promise.all([store.rememberKey(entry), ...records.map((record) => store.save(record))]);
      // Committed before the waiting sends resume, so they see the duplicate.
      keys.set(entry.key, kept);
    } catch (error) {
      persist(store.rememberKey({ ...entry, expiresAt: clock.now() }));
      for (const record of records) persist(store.remove(record.id));
      throw error;
    } finally {
      inFlightKeys.delete(entry.key);
      settle();
    }
  }

  function pruneKeys(now: number): void {
    // Entries are inserted with a constant window, so the oldest expire first.
    for (const [key, entry] of keys) {
      if (entry.expiresAt > now) break;
      keys.delete(key);
    }
  }

  function preview(templateName: string, vars: Readonly<Record<string, unknown>> = {}): RenderedTemplate {
    if (!settings.templates) {
      throw new NotifyTemplateError(templateName, 'unknown-template', 'the notifier has no `templates` registry');
    }
    return settings.templates.render(templateName, vars);
  }

  /** Renders `{ template, vars }` into subject/text/html; explicit fields win. */
  function expand(message: NotificationMessage | TemplatedMessage): NotificationMessage {
    if (typeof message !== 'object' || message === null || !('template' in message) || message.template === undefined)
      return message as NotificationMessage;
    const { template, vars, ...rest } = message;
    const rendered = preview(template, vars);
    return {
      ...rest,
      subject: rest.subject ?? rendered.subject,
      text: rest.text ?? rendered.text,
      ...(rest.html === undefined && rendered.html === undefined ? {} : { html: rest.html ?? rendered.html }),
    };
  }

  /** Checks names given to `send` (or a route) against the notifier's channels and recipients. */
  function checkTargets(channels: readonly string[], recipientIds: readonly string[]): void {
    for (const name of channels) {
      if (!lanes.has(name)) {
        throw new TelltaleError('TELLTALE_NOTIFY_UNKNOWN_CHANNEL', `send(): unknown channel "${String(name)}"`, {
          details: { channel: String(name), channels: channelNames },
        });
      }
    }
    for (const id of recipientIds) {
      if (!recipients.has(id)) {
        const hint = typeof id === 'string' && id.includes('@') ? " (addresses go in the message's `to`)" : '';
        throw new TelltaleError(
          'TELLTALE_NOTIFY_UNKNOWN_RECIPIENT',
          `send(): unknown recipient "${String(id)}"${hint}`,
          {
            details: { recipient: String(id), recipients: [...recipients.keys()] },
          },
        );
      }
    }
  }

  async function send(
    input: NotificationMessage | TemplatedMessage,
    sendOptions: SendOptions = {},
  ): Promise<SendReceipt> {
    if (closing) throw new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notifier is closed');
    const message = expand(input);
    check.object('send options', sendOptions);
    let targets: readonly string[];
    let recipientIds: readonly string[];
    for (const option of ['channels', 'recipients'] as const) {
      const list: unknown = sendOptions[option];
      if (list !== undefined && !Array.isArray(list))
        throw new TelltaleError('TELLTALE_INVALID_INPUT', `send(): ${option} must be an array of names`);
    }
    if (sendOptions.channels !== undefined || sendOptions.recipients !== undefined) {
      targets = [...new Set(sendOptions.channels ?? [])];
      recipientIds = [...new Set(sendOptions.recipients ?? [])];
    } else {
      const route = routes === undefined ? undefined : routeMessage(routes, message);
      targets = route === undefined ? channelNames : [...new Set(route.channels ?? [])];
      recipientIds = route?.recipients === undefined ? [] : [...new Set(route.recipients)];
    }
    if (targets.length === 0 && recipientIds.length === 0)
      throw new TelltaleError('TELLTALE_INVALID_INPUT', 'send(): channels or recipients must name at least one target');
    checkTargets(targets, recipientIds);
    const normalized = validateMessage(
      message,
      targets.some((name) => lanes.get(name)!.channel.addressesPeople),
    );
    const idempotencyKey =
      sendOptions.idempotencyKey === undefined
        ? `msg_${randomUUID()}`
        : validateKey('idempotencyKey', sendOptions.idempotencyKey);
    const awaitMode = check.oneOf('await', sendOptions.await, ['accepted', 'delivered'], 'accepted');
    // Counted from here so flush() also waits for sends that are not yet queued.
    accepting++;
    try {
      return await accept(normalized, targets, recipientIds, idempotencyKey, awaitMode, sendOptions.signal);
    } finally {
      accepting--;
      checkIdle();
    }
  }

  /** One record per broadcast channel, then one per (recipient, preferred channel); skips noted in `skipped`. */
  function plan(
    normalized: NormalizedMessage,
    targets: readonly string[],
    recipientIds: readonly string[],
    messageId: string,
    idempotencyKey: string,
    now: number,
  ): { records: OutboxRecord[]; skipped: PlannedDelivery[] } {
    // Literal records (no spreads), so every record has the same shape on the hot path.
    const makeRecord = (id: string, channel: string, message: NormalizedMessage): OutboxRecord => ({
      id,
      messageId,
      channel,
      idempotencyKey,
      message,
      state: 'pending',
      attempts: 0,
      enqueuedAt: now,
      nextAttemptAt: now,
    });
    const records = targets.map((channel) => makeRecord(`${messageId}:${channel}`, channel, normalized));
    const skipped: PlannedDelivery[] = [];
    const severity = SEVERITIES.indexOf(normalized.severity);
    for (const id of recipientIds) {
      const person = recipients.get(id)!;
      for (const channel of person.channels) {
        const record = makeRecord(
          `${messageId}:${id}:${channel}`,
          channel,
          personalize(normalized, lanes.get(channel)!, person),
        );
        record.recipient = recipientOf(person, channel);
        if (severity < person.minSeverity) {
          skipped.push({
            id: record.id,
            channel,
            recipient: id,
            idempotencyKey: deliveryKey(record),
            status: 'skipped',
            reason: 'below-min-severity',
          });
        } else records.push(record);
      }
    }
    return { records, skipped };
  }

  async function accept(
    normalized: NormalizedMessage,
    targets: readonly string[],
    recipientIds: readonly string[],
    idempotencyKey: string,
    awaitMode: 'accepted' | 'delivered',
    signal: AbortSignal | undefined,
  ): Promise<SendReceipt> {
    await ready;
    // A send with this key is being written: its outcome decides. A failed write leaves no trace,
    // so then this send goes ahead as the first; a succeeded one makes it a duplicate.
    for (let writing = inFlightKeys.get(idempotencyKey); writing; writing = inFlightKeys.get(idempotencyKey)) {
      await writing;
    }
    if (closing) throw new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notifier is closed');
    const now = clock.now();
    pruneKeys(now);
    const existing = keys.get(idempotencyKey);
    if (existing) {
      emit({
        type: 'duplicate',
        channel: existing.channels.join(','),
        deliveryId: existing.messageId,
        idempotencyKey,
        attempt: 0,
      });
      const receipt: SendReceipt = {
        messageId: existing.messageId,
        idempotencyKey,
        duplicate: true,
        channels: existing.channels,
      };
      if (awaitMode === 'delivered') {
        if (existing.outcome === 'dead') {
          throw new TelltaleError(
            'TELLTALE_NOTIFY_UNDELIVERED',
            'The original message with this idempotency key was dead-lettered',
            { details: { messageId: existing.messageId } },
          );
        }
        // Wait for the original's outcome (resolves at once if it is already delivered).
        return { ...receipt, results: await waitFor(existing.messageId, signal) };
      }
      return receipt;
    }
    const messageId = randomUUID();
    const { records, skipped } = plan(normalized, targets, recipientIds, messageId, idempotencyKey, now);
    if (queued + records.length > maxQueueSize) {
      throw new TelltaleError('TELLTALE_NOTIFY_QUEUE_FULL', `The delivery queue is full (${maxQueueSize} deliveries)`, {
        details: { maxQueueSize },
      });
    }
    const channels = recipientIds.length === 0 ? targets : [...new Set(records.map((record) => record.channel))];
    const stored: IdempotencyEntry = { key: idempotencyKey, messageId, channels, expiresAt: now + dedupWindow };
    const entry: KeyEntry = { ...stored };
    // Nothing owed when every delivery was skipped.
    if (records.length === 0) entry.outcome = 'delivered';
    // Quiet hours are decided before the write, so the not-before time is durable with the record.
    const releases = records.map((record) => {
      const lane = lanes.get(record.channel)!;
      const release = lane.disabled ? now : releaseAt(record.channel, normalized.severity, record.recipient?.id, now);
      record.nextAttemptAt = release;
      return release;
    });
    // Write-through before acknowledging, so an accepted message survives a crash with a durable store.
    // The key is only reserved meanwhile (concurrent sends with it wait), and committed once written.
    await writeThrough(stored, entry, records);
    if (records.length > 0) {
      trackers.set(messageId, {
        remaining: new Set(records.map((record) => record.id)),
        results: {},
        failures: [],
        listeners: new Set(),
      });
    }
    const delivered = awaitMode === 'delivered' ? waitFor(messageId, signal) : undefined;
    delivered?.catch(() => {});
    const deliveries: PlannedDelivery[] = [];
    records.forEach((record, index) => {
      const lane = lanes.get(record.channel)!;
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
      queued++;
      if (lane.disabled) {
        deadLetter(lane, record, { ...lane.disabled, message: `endpoint disabled: ${lane.disabled.message}`, at: now });
        return;
      }
      if (release > now) {
        // Held back by quiet hours (the channel's or the recipient's); delivered when they end.
        defer(lane, record, release, now);
        schedulePump(lane, release - now);
        return;
      }
      lane.ready.push(record);
      pump(lane);
    });
    for (const skip of skipped) {
      deliveries.push(skip);
      telemetry.delivery(skip.channel, 'skipped');
      logger.debug(
        { channel: skip.channel, deliveryId: skip.id, recipient: skip.recipient, reason: skip.reason },
        'notification skipped for a recipient',
      );
      emit({
        type: 'skipped',
        channel: skip.channel,
        deliveryId: skip.id,
        idempotencyKey: skip.idempotencyKey,
        recipient: skip.recipient!,
        attempt: 0,
        reason: 'below-min-severity',
      });
    }
    const receipt: SendReceipt = { messageId, idempotencyKey, duplicate: false, channels, deliveries };
    if (delivered) return { ...receipt, results: await delivered };
    return receipt;
  }

  function flush(flushOptions: { signal?: AbortSignal; timeout?: number | string } = {}): Promise<void> {
    const timeout =
      flushOptions.timeout === undefined ? undefined : check.duration('flush.timeout', flushOptions.timeout);
    return ready.then(
      () =>
        new Promise<void>((resolve, reject) => {
          if (queued === 0 && accepting === 0) return resolve();
          let timer: TimerHandle | undefined;
          const done = (): void => {
            if (timer !== undefined) clock.clearTimeout(timer);
            flushOptions.signal?.removeEventListener('abort', onAbort);
            resolve();
          };
          const onAbort = (): void => {
            idleWaiters.delete(done);
            if (timer !== undefined) clock.clearTimeout(timer);
            reject(
              new TelltaleError('TELLTALE_ABORTED', 'flush() was aborted', { cause: flushOptions.signal?.reason }),
            );
          };
          if (flushOptions.signal?.aborted) return onAbort();
          flushOptions.signal?.addEventListener('abort', onAbort, { once: true });
          if (timeout !== undefined) {
            timer = clock.setTimeout(() => {
              idleWaiters.delete(done);
              flushOptions.signal?.removeEventListener('abort', onAbort);
              reject(
                new TelltaleError('TELLTALE_TIMEOUT', `flush() timed out with ${queued} deliveries pending`, {
                  details: { pending: queued },
                }),
              );
            }, timeout);
          }
          idleWaiters.add(done);
        }),
    );
  }

  function deadLetters(filter: { channel?: string } = {}): DeadLetter[] {
    const all: DeadLetter[] = [];
    for (const lane of lanes.values()) {
      if (filter.channel !== undefined && lane.name !== filter.channel) continue;
      for (const record of lane.dead.values()) all.push(toDeadLetter(record));
    }
    return all.sort((a, b) => a.deadAt - b.deadAt);
  }

  async function redrive(filter: { channel?: string; ids?: readonly string[] } = {}): Promise<number> {
    if (closing) throw new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notifier is closed');
    await ready;
    const ids = filter.ids === undefined ? undefined : new Set(filter.ids);
    const now = clock.now();
    let count = 0;
    const saves: Promise<void>[] = [];
    for (const lane of lanes.values()) {
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
        queued++;
        count++;
        lane.ready.push(record);
        saves.push(store.save(record));
      }
      pump(lane);
    }
    await Promise.all(saves);
    if (count > 0) logger.info({ count }, 'notifications redriven from the dead-letter list');
    return count;
  }

  function stats(): Record<string, ChannelStats> {
    const result: Record<string, ChannelStats> = {};
    const now = clock.now();
    for (const lane of lanes.values()) {
      result[lane.name] = {
        pending: lane.ready.length + lane.delayed.length + lane.inFlight,
        inFlight: lane.inFlight,
        deadLetters: lane.dead.size,
        ...(lane.disabled ? { disabled: lane.disabled } : {}),
        ...(lane.pausedUntil > now ? { pausedUntil: lane.pausedUntil } : {}),
        ...(lane.breaker ? { breaker: lane.breaker.state } : {}),
      };
    }
    return result;
  }

  async function close(closeOptions: { timeout?: number | string } = {}): Promise<void> {
    const timeout = check.duration('close.timeout', closeOptions.timeout, '30s');
    if (closing) return closedPromise;
    closing = true;
    closedPromise = (async () => {
      await ready.catch(() => {});
      const drained = (): boolean =>
        [...lanes.values()].every(
          (lane) =>
            lane.inFlight === 0 &&
            (lane.ready.length === 0 || lane.disabled !== undefined || lane.pausedUntil > clock.now()),
        );
      let timedOut = false;
      const deadline = clock.setTimeout(() => {
        timedOut = true;
        for (const notify of progressWaiters) notify();
        progressWaiters.clear();
      }, timeout);
      while (timeout > 0 && !drained() && !timedOut) await new Promise<void>((resolve) => progressWaiters.add(resolve));
      clock.clearTimeout(deadline);
      closed = true;
      abort.abort(new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notifier was closed'));
      for (const lane of lanes.values()) {
        if (lane.timer !== undefined) clock.clearTimeout(lane.timer);
        lane.breaker?.close();
      }
      if (queued > 0)
        logger.warn(
          { pending: queued },
          'notifier closed with deliveries still queued; they remain in the outbox store',
        );
      const closedError = new TelltaleError('TELLTALE_NOTIFY_CLOSED', 'The notifier was closed before delivery');
      for (const tracker of trackers.values()) for (const listener of tracker.listeners) listener(closedError, {});
      // flush() callers would otherwise wait forever on deliveries that will not run in this process.
      for (const resolve of idleWaiters) resolve();
      idleWaiters.clear();
      trackers.clear();
      telemetry.close();
      const results = await Promise.allSettled(
        [...lanes.values()].map((lane) => lane.channel.close?.() ?? Promise.resolve()),
      );
      for (const result of results)
        if (result.status === 'rejected') logger.warn({ err: result.reason }, 'notification channel failed to close');
      await store.close();
    })();
    return closedPromise;
  }
  let closedPromise: Promise<void> = Promise.resolve();

  return {
    send,
    preview,
    flush,
    deadLetters,
    redrive,
    stats,
    onEvent: (listener) => events.on(listener),
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}
