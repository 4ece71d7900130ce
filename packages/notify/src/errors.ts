import { TelltaleError } from '@telltale/core';

/**
 * How a channel classifies a failed delivery attempt. The queue acts on it:
 * `retryable` → retry with backoff; `rate-limited` → pause the channel for the
 * provider's wait, then retry (not counted as an attempt); `permanent` → dead
 * letter at once; `endpoint-gone` → disable the channel and dead-letter all
 * its messages.
 *
 * @example
 * ```ts
 * if (NotifyDeliveryError.is(error) && error.classification === 'endpoint-gone') disable();
 * ```
 */
export type FailureClassification = 'retryable' | 'permanent' | 'rate-limited' | 'endpoint-gone';

/**
 * What a {@link NotifyDeliveryError} carries besides its message.
 *
 * @example
 * ```ts
 * new NotifyDeliveryError('busy', { classification: 'rate-limited', provider: 'sms', status: 429, retryAfterMs: 5000 } satisfies DeliveryFailureDetails);
 * ```
 */
export interface DeliveryFailureDetails {
  /** How the queue should react. */
  classification: FailureClassification;
  /** Channel kind that failed, e.g. `slack`. */
  provider: string;
  /** HTTP status or SMTP reply code, when there was one. */
  status?: number | undefined;
  /** Provider error code (`channel_not_found`, `EENVELOPE`, ...), never secret. */
  providerCode?: string | undefined;
  /** For `rate-limited`: how long the provider asked us to wait, in milliseconds. */
  retryAfterMs?: number | undefined;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A classified delivery failure thrown by a channel (`TELLTALE_NOTIFY_DELIVERY`).
 * Messages never contain API keys, webhook URLs or passwords.
 *
 * @example
 * ```ts
 * import { NotifyDeliveryError } from '@telltale/notify';
 * throw new NotifyDeliveryError('Provider answered 503', { classification: 'retryable', provider: 'custom', status: 503 });
 * ```
 */
export class NotifyDeliveryError extends TelltaleError {
  /** How the queue should react. */
  readonly classification: FailureClassification;
  /** Channel kind that failed. */
  readonly provider: string;
  /** HTTP status or SMTP reply code. */
  readonly status: number | undefined;
  /** Provider error code, if any. */
  readonly providerCode: string | undefined;
  /** Provider-requested wait for `rate-limited`, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: DeliveryFailureDetails) {
    super('TELLTALE_NOTIFY_DELIVERY', message, {
      cause: details.cause,
      details: {
        classification: details.classification,
        provider: details.provider,
        ...(details.status === undefined ? {} : { status: details.status }),
        ...(details.providerCode === undefined ? {} : { providerCode: details.providerCode }),
        ...(details.retryAfterMs === undefined ? {} : { retryAfterMs: details.retryAfterMs }),
      },
    });
    this.name = 'NotifyDeliveryError';
    this.classification = details.classification;
    this.provider = details.provider;
    this.status = details.status;
    this.providerCode = details.providerCode;
    this.retryAfterMs = details.retryAfterMs;
  }

  /**
   * True when `error` is a delivery failure from any copy of `@telltale/notify`
   * (checks core's brand and the code, not the prototype).
   *
   * @example
   * ```ts
   * if (NotifyDeliveryError.is(error)) console.warn(error.provider, error.classification);
   * ```
   */
  static override is(error: unknown): error is NotifyDeliveryError {
    return TelltaleError.is(error, 'TELLTALE_NOTIFY_DELIVERY') && 'classification' in error;
  }
}

/**
 * Why a message was refused at `send`.
 *
 * @example
 * ```ts
 * if (NotifyMessageError.is(error) && error.reason === 'header-injection') audit(error.field);
 * ```
 */
export type InvalidMessageReason =
  | 'missing'
  | 'empty'
  | 'type'
  | 'header-injection'
  | 'invalid-address'
  | 'invalid-url'
  | 'not-serializable'
  | 'too-large';

/**
 * Thrown by `send` when a message is invalid (`TELLTALE_NOTIFY_INVALID_MESSAGE`);
 * nothing was queued. `field` names the offending field (`to[1].address`).
 *
 * @example
 * ```ts
 * import { NotifyMessageError } from '@telltale/notify';
 * try {
 *   await notifier.send({ subject: 'Hi\r\nBcc: x@example.com', text: '...' });
 * } catch (error) {
 *   if (NotifyMessageError.is(error)) console.warn(error.field, error.reason);
 * }
 * ```
 */
export class NotifyMessageError extends TelltaleError {
  /** Offending field path. */
  readonly field: string;
  /** What is wrong with it. */
  readonly reason: InvalidMessageReason;

  constructor(field: string, reason: InvalidMessageReason, message: string) {
    super('TELLTALE_NOTIFY_INVALID_MESSAGE', `Invalid message field "${field}": ${message}`, {
      details: { field, reason },
    });
    this.name = 'NotifyMessageError';
    this.field = field;
    this.reason = reason;
  }

  /**
   * True when `error` is an invalid-message error from any copy of `@telltale/notify`.
   *
   * @example
   * ```ts
   * if (NotifyMessageError.is(error)) console.warn(error.field, error.reason);
   * ```
   */
  static override is(error: unknown): error is NotifyMessageError {
    return TelltaleError.is(error, 'TELLTALE_NOTIFY_INVALID_MESSAGE') && 'field' in error;
  }
}

/** Classification of any error thrown by a channel: unclassified errors are retryable. */
export function classify(error: unknown): FailureClassification {
  return NotifyDeliveryError.is(error) ? error.classification : 'retryable';
}
