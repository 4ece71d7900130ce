import { circuitBreaker, exponential, pipeline, retry, retryBudget, timeout } from '@telltale/resilience';

/**
 * The billing provider behind a resilience pipeline: bounded retries with a
 * budget (so retries cannot multiply an outage), a breaker that stops calling
 * a failing provider, and a per-attempt timeout.
 */
export function createBillingClient(billingUrl: string) {
  const breaker = circuitBreaker({
    name: 'billing',
    failureRatio: 0.5,
    minimumThroughput: 5,
    window: '10s',
    halfOpenAfter: '5s',
  });
  const policy = pipeline(
    'billing',
    retry({
      maxAttempts: 3,
      backoff: exponential({ initial: '50ms', max: '500ms', jitter: 'full' }),
      budget: retryBudget({ ratio: 0.2, minPerSecond: 5, window: '10s' }),
      respectRetryAfter: false,
    }),
    breaker,
    timeout('1s'),
  );

  /** Charges a session; throws when billing fails or the breaker is open. */
  const charge = (sessionId: string, amountCents: number) =>
    policy.execute(async ({ signal }) => {
      const response = await fetch(`${billingUrl}/charges`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ session: sessionId, amountCents }),
        signal,
      });
      if (!response.ok) throw new Error(`billing answered ${response.status}`);
      return (await response.json()) as { id: string };
    });

  return { breaker, charge };
}

export type BillingClient = ReturnType<typeof createBillingClient>;
