import { connect } from 'node:net';
import { options as validate } from '@telltale/core';
import type { HealthCheck, HealthCheckDefaults } from '../types.js';

/**
 * Checks that a TCP port accepts connections; observes the connect time in ms.
 *
 * @example
 * ```ts
 * import { tcpCheck } from '@telltale/health';
 * registry.register('redis', tcpCheck('redis.internal', 6379), { interval: '5s', timeout: '500ms' });
 * ```
 */
export function tcpCheck(host: string, port: number): HealthCheck & HealthCheckDefaults {
  validate.nonEmptyString('tcpCheck.host', host);
  validate.numberInRange('tcpCheck.port', port, 1, 65_535);
  const check = ({ signal }: { signal: AbortSignal }) =>
    new Promise<{ status: 'pass'; observedValue: number; observedUnit: string }>((resolve, reject) => {
      const started = performance.now();
      const socket = connect({ host, port, signal });
      socket.once('connect', () => {
        const elapsed = Math.round((performance.now() - started) * 100) / 100;
        socket.destroy();
        resolve({ status: 'pass', observedValue: elapsed, observedUnit: 'ms' });
      });
      socket.once('error', (error) => {
        socket.destroy();
        reject(error);
      });
    });
  return Object.assign(check, { measurement: 'responseTime', componentType: 'component' });
}
