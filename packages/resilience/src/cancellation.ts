import type { Disposable } from '@telltale/core';

/**
 * Cancellation inside a policy chain, without paying for AbortControllers
 * nobody reads. On Node 20 materialising an `AbortSignal` costs microseconds
 * per call — more than the whole breaker — so a scope creates its
 * `AbortController` only when someone reads `signal` (the operation, or a
 * wait that must be abortable). Aborting a scope aborts its children.
 *
 * @example
 * ```ts
 * import type { Next, Run } from '@telltale/resilience';
 * // In a custom policy: stop early when the run is cancelled.
 * const wrap = <T>(next: Next<T>, run: Run) =>
 *   run.cancellation.aborted ? Promise.reject(new Error('cancelled')) : next(run);
 * ```
 */
export interface Cancellation {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** The scope as an AbortSignal, created on first read. */
  readonly signal: AbortSignal;
  /**
   * Calls `listener` once when the scope aborts. The result is a `Disposable` (`dispose()` stops
   * listening) that is also callable, as the unsubscribe function it used to be.
   */
  onAbort(listener: (reason: unknown) => void): Unsubscribe;
}

/**
 * What {@link Cancellation.onAbort} returns: core's `Disposable`, and callable for callers written
 * when it returned a plain function.
 *
 * @example
 * ```ts
 * import type { Run } from '@telltale/resilience';
 * declare const run: Run;
 * const subscription = run.cancellation.onAbort(() => socket.destroy());
 * subscription.dispose(); // or subscription()
 * ```
 */
export type Unsubscribe = Disposable & (() => void);

function unsubscribe(remove: () => void): Unsubscribe {
  return Object.assign(remove, { dispose: remove });
}

const noop: Unsubscribe = unsubscribe(() => {});
const NEVER_SIGNAL = new AbortController().signal;

/** The scope of a call with no caller signal: never aborts. */
export const NEVER_CANCELLED: Cancellation = Object.freeze({
  aborted: false,
  reason: undefined,
  signal: NEVER_SIGNAL,
  onAbort: () => noop,
});

/** Wraps the caller's AbortSignal. */
export function fromSignal(signal: AbortSignal | undefined): Cancellation {
  if (!signal) return NEVER_CANCELLED;
  return {
    get aborted() {
      return signal.aborted;
    },
    get reason(): unknown {
      return signal.reason as unknown;
    },
    signal,
    onAbort(listener) {
      const handler = (): void => listener(signal.reason);
      signal.addEventListener('abort', handler, { once: true });
      return unsubscribe(() => signal.removeEventListener('abort', handler));
    },
  };
}

/** A child scope: aborts with its parent, or on its own via `abort(reason)`. Call `dispose()` when done. */
export class Scope implements Cancellation {
  aborted = false;
  reason: unknown = undefined;
  private controller: AbortController | undefined;
  private listeners: ((reason: unknown) => void)[] | undefined;
  private readonly unlink: () => void;

  constructor(parent: Cancellation) {
    if (parent.aborted) {
      this.unlink = noop;
      this.abort(parent.reason);
    } else {
      this.unlink = parent === NEVER_CANCELLED ? noop : parent.onAbort((reason) => this.abort(reason));
    }
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  onAbort(listener: (reason: unknown) => void): Unsubscribe {
    if (this.aborted) {
      listener(this.reason);
      return noop;
    }
    (this.listeners ??= []).push(listener);
    return unsubscribe(() => {
      const index = this.listeners?.indexOf(listener) ?? -1;
      if (index !== -1) this.listeners!.splice(index, 1);
    });
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.unlink();
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener(reason);
  }

  /** Detaches from the parent (so long-lived caller signals do not collect listeners). */
  dispose(): void {
    this.unlink();
    this.listeners = undefined;
  }
}
