import { backoffFromOptions, type Backoff, type BackoffOptionsInput } from '@telltale/core';

/** The receiver backoff: the shared `exponential()`, plain doubling unless a jitter is asked for. */
export function receiverBackoff(input: BackoffOptionsInput | undefined): Backoff {
  return backoffFromOptions('retry', input, { initial: '1s', max: '1m', jitter: 'none' });
}
