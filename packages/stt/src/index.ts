/**
 * Name of this package, for diagnostics.
 *
 * @example
 * ```ts
 * import { PACKAGE_NAME } from '@telltale/stt';
 * PACKAGE_NAME; // '@telltale/stt'
 * ```
 */
export const PACKAGE_NAME = '@telltale/stt';
