import type { MeterProviderLike } from '@telltale/core';
import type { ExecuteOptions, Operation, Policy } from './policy.js';
import { pipeline, type Pipeline } from './pipeline.js';

const alone = new WeakMap<Policy, Pipeline>();

/**
 * `policy.execute()`: the policy as a one-policy pipeline named after it, recording on the
 * policy's own `meterProvider` when it has one (`false`: nothing), else on the global one.
 */
export function executeAlone<T>(
  policy: Policy,
  operation: Operation<T>,
  options?: ExecuteOptions,
  meterProvider?: MeterProviderLike | false,
): Promise<T> {
  let wrapper = alone.get(policy);
  if (!wrapper) {
    wrapper = pipeline({ name: policy.name, ...(meterProvider === undefined ? {} : { meterProvider }) }, policy);
    alone.set(policy, wrapper);
  }
  return wrapper.execute(operation, options);
}
