/**
 * Name of the framework this entry point adapts to.
 *
 * @example
 * ```ts
 * import { ADAPTER } from '@telltale/notify/node';
 * ```
 */
export const ADAPTER = 'node';
