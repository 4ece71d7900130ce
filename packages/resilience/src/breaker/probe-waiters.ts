import { abortedBy, type Run } from '../policy.js';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Calls parked while half-open (`halfOpenWaiting: 'wait'`) until the probes
 * settle: released to proceed when the breaker closes, rejected when it
 * opens again or closes for good. A caller's abort takes its call out.
 */
export class ProbeWaiters {
  private waiters: Waiter[] = [];

  /** Resolves when released to proceed; rejects on a release with an error or on the run's abort. */
  wait(run: Run): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cancellation = run.cancellation;
      const entry: Waiter = {
        resolve: () => {
          stopListening();
          resolve();
        },
        reject: (error) => {
          stopListening();
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- errors pass through untouched
          reject(error);
        },
      };
      this.waiters.push(entry);
      const stopListening = cancellation.onAbort(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(abortedBy(cancellation));
      });
    });
  }

  /** Settles every waiting call: proceed (`undefined`) or reject with `error`. */
  release(error: unknown): void {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
  }
}
