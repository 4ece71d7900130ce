import type { ExecuteOptions, Operation, Policy } from './policy.js';
import { pipeline, type Pipeline } from './pipeline.js';

const alone = new WeakMap<Policy, Pipeline>();

/** `policy.execute()`: the policy as a one-policy pipeline named after it. */
export function executeAlone<T>(policy: Policy, operation: Operation<T>, options?: ExecuteOptions): Promise<T> {
  let wrapper = alone.get(policy);
  if (!wrapper) {
    wrapper = pipeline(policy.name, policy);
    alone.set(policy, wrapper);
  }
  return wrapper.execute(operation, options);
}
