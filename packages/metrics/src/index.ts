/**
 * Name of this package, for diagnostics.
 *
 * @example
 * ```ts
 * import { PACKAGE_NAME } from '@telltale/metrics';
 * PACKAGE_NAME; // '@telltale/metrics'
 * ```
 */
export const PACKAGE_NAME = '@telltale/metrics';
