/**
 * Name of the framework this entry point adapts to.
 *
 * @example
 * ```ts
 * import { ADAPTER } from '@telltale/metrics/fastify';
 * ```
 */
export const ADAPTER = 'fastify';
