/**
 * Name of this package, for diagnostics.
 *
 * @example
 * ```ts
 * import { PACKAGE_NAME } from '@telltale/node';
 * PACKAGE_NAME; // '@telltale/node'
 * ```
 */
export const PACKAGE_NAME = '@telltale/node';
