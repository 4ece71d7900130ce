import { TelltaleError } from '@telltale/core';

/**
 * Thrown when a shared store (Redis) cannot be reached or did not answer in
 * time (`TELLTALE_NOTIFY_STORE_UNAVAILABLE`). `send` rejects with it and
 * nothing was accepted: retry with the same idempotency key. `store` names
 * the store (`'redis'`), `operation` what was attempted.
 *
 * @example
 * ```ts
 * import { NotifyStoreUnavailableError } from '@telltale/notify';
 * try { await notifier.send(message, { idempotencyKey }); } catch (error) {
 *   if (NotifyStoreUnavailableError.is(error)) console.error(`${error.store} is down during ${error.operation}`);
 * }
 * ```
 */
export class NotifyStoreUnavailableError extends TelltaleError {
  /** The store, e.g. `'redis'`. */
  readonly store: string;
  /** What was attempted, e.g. `'enqueue'`. */
  readonly operation: string;

  constructor(store: string, operation: string, cause: unknown) {
    super('TELLTALE_NOTIFY_STORE_UNAVAILABLE', `The notify ${store} store is unavailable (${operation})`, {
      cause,
      details: { store, operation },
    });
    this.name = 'NotifyStoreUnavailableError';
    this.store = store;
    this.operation = operation;
  }

  /**
   * True when `error` is a store-unavailable error from any copy of `@telltale/notify`.
   *
   * @example
   * ```ts
   * if (NotifyStoreUnavailableError.is(error)) retryLater();
   * ```
   */
  static override is(error: unknown): error is NotifyStoreUnavailableError {
    return TelltaleError.is(error, 'TELLTALE_NOTIFY_STORE_UNAVAILABLE') && 'store' in error;
  }
}
