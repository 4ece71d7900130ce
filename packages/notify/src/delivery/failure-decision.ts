import type { Backoff } from '@telltale/core';
import { circuitOpenWait } from '../breaker.js';
import { NotifyDeliveryError } from '../errors.js';
import type { DeliveryErrorSummary, OutboxRecord } from '../store.js';
import { toSummary } from './dead-letters.js';

/** The retry policy a failure is judged by. */
export interface RetryPolicy {
  maxAttempts: number;
  backoff: Backoff;
  maxRetryAfter: number;
  expireAfter: number;
}

/**
 * What to do after a failed attempt. The decision is a value; the delivery
 * loop applies it (writes the store, pauses the lane, logs, counts, emits).
 */
export type FailureDecision =
  /** The breaker refused locally (not an attempt): pause the channel for `wait` and keep the delivery first in line. */
  | { kind: 'circuit-open'; wait: number }
  /** The breaker refused and a fallback channel exists: dead-letter here (the fallback takes over). */
  | { kind: 'circuit-fallback'; summary: DeliveryErrorSummary }
  /** The provider rate-limited us: pause the channel for `wait` (not counted as an attempt). */
  | { kind: 'rate-limited'; wait: number; streak: number; summary: DeliveryErrorSummary }
  /** Retry after `wait`, with `attempts` now counted. */
  | { kind: 'retry'; wait: number; attempts: number; summary: DeliveryErrorSummary }
  /** Give up on this delivery. */
  | { kind: 'dead-letter'; attempts: number; summary: DeliveryErrorSummary }
  /** The endpoint is gone: dead-letter this delivery and disable the channel. */
  | { kind: 'disable-channel'; attempts: number; summary: DeliveryErrorSummary };

/** The input of {@link decideFailure}: the error and what is known about the delivery and its channel. */
export interface FailureContext {
  error: unknown;
  record: Pick<OutboxRecord, 'attempts' | 'enqueuedAt'>;
  /** Consecutive rate-limited answers on the channel before this one. */
  rateLimitStreak: number;
  /** A fallback channel would take the delivery over. */
  canFallBack: boolean;
  now: number;
}

/** Decides what a failed attempt leads to. Pure: same inputs, same decision (the backoff's jitter aside). */
export function decideFailure(policy: RetryPolicy, context: FailureContext): FailureDecision {
  const { error, record, now } = context;
  const openWait = circuitOpenWait(error);
  if (openWait !== false) {
    if (context.canFallBack) {
      // With a fallback channel, an open breaker hands the message over instead of holding it.
      return {
        kind: 'circuit-fallback',
        summary: {
          message: 'circuit open',
          code: 'TELLTALE_NOTIFY_CIRCUIT_OPEN',
          classification: 'retryable',
          at: now,
        },
      };
    }
    return { kind: 'circuit-open', wait: Math.max(10, openWait ?? 1000) };
  }
  const summary = toSummary(error, now);
  const classification = summary.classification;
  const expired = now - record.enqueuedAt >= policy.expireAfter;
  if (classification === 'rate-limited' && !expired) {
    const streak = context.rateLimitStreak + 1;
    const requested = NotifyDeliveryError.is(error) ? error.retryAfterMs : undefined;
    const wait = Math.min(policy.maxRetryAfter, requested ?? policy.backoff.delay(streak, 0));
    return { kind: 'rate-limited', wait, streak, summary };
  }
  const attempts = record.attempts + 1;
  if (classification === 'endpoint-gone') return { kind: 'disable-channel', attempts, summary };
  if (classification === 'permanent' || classification === 'rate-limited' || expired || attempts >= policy.maxAttempts)
    return { kind: 'dead-letter', attempts, summary };
  // Retryable: exponential backoff, but never sooner than a Retry-After the provider sent with a 503.
  const requested =
    NotifyDeliveryError.is(error) && error.retryAfterMs !== undefined
      ? Math.min(policy.maxRetryAfter, error.retryAfterMs)
      : 0;
  return { kind: 'retry', wait: Math.max(requested, policy.backoff.delay(attempts, 0)), attempts, summary };
}
