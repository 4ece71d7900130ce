/**
 * Name of this package, for diagnostics.
 *
 * @example
 * ```ts
 * import { PACKAGE_NAME } from '@telltale/notify';
 * PACKAGE_NAME; // '@telltale/notify'
 * ```
 */
export const PACKAGE_NAME = '@telltale/notify';
