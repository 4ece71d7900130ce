import { TelltaleConfigError } from '@telltale/core';
import type { HealthCheck, HealthCheckDefaults } from '../types.js';

/**
 * Turns any client's ping into a check: `pass` when `ping` resolves, `fail`
 * when it throws or resolves `false`. Observes the round trip in ms.
 *
 * @example
 * ```ts
 * import { pingCheck } from '@telltale/health';
 * registry.register('postgres', pingCheck(({ signal }) => pool.query({ text: 'select 1', signal })), {
 *   interval: '5s',
 *   degradedAfter: '500ms',
 * });
 * registry.register('redis', pingCheck(() => redis.ping()));
 * ```
 */
export function pingCheck(ping: (context: { signal: AbortSignal }) => unknown): HealthCheck & HealthCheckDefaults {
  if (typeof ping !== 'function') {
    throw new TelltaleConfigError({ option: 'pingCheck.ping', value: ping, expected: 'a function' });
  }
  const check = async (context: { signal: AbortSignal }) => {
    const started = performance.now();
    const answer = await ping(context);
    const elapsed = Math.round((performance.now() - started) * 100) / 100;
    if (answer === false) {
      return { status: 'fail' as const, observedValue: elapsed, observedUnit: 'ms', output: 'ping returned false' };
    }
    return { status: 'pass' as const, observedValue: elapsed, observedUnit: 'ms' };
  };
  return Object.assign(check, { measurement: 'responseTime', componentType: 'datastore' });
}
