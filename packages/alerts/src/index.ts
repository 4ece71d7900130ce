/**
 * Name of this package, for diagnostics.
 *
 * @example
 * ```ts
 * import { PACKAGE_NAME } from '@telltale/alerts';
 * PACKAGE_NAME; // '@telltale/alerts'
 * ```
 */
export const PACKAGE_NAME = '@telltale/alerts';
