/**
 * Name of this package, for diagnostics.
 *
 * @example
 * ```ts
 * import { PACKAGE_NAME } from '@telltale/health';
 * PACKAGE_NAME; // '@telltale/health'
 * ```
 */
export const PACKAGE_NAME = '@telltale/health';
