/**
 * Name of this package, for diagnostics.
 *
 * @example
 * ```ts
 * import { PACKAGE_NAME } from '@telltale/resilience';
 * PACKAGE_NAME; // '@telltale/resilience'
 * ```
 */
export const PACKAGE_NAME = '@telltale/resilience';
