import { TelltaleConfigError } from './errors.js';

/**
 * Reads an option that was renamed, still accepting its deprecated name for one minor version:
 * returns the value and the path it came from (for validation messages), and refuses both names
 * at once so a half-migrated config cannot silently pick one. An empty `prefix` names top-level options.
 *
 * @example
 * ```ts
 * import { options, renamedOption } from '@telltale/core';
 * const initial = renamedOption('retry', input, 'initial', 'initialDelay');
 * const wait = options.duration(initial.option, initial.value, '1s'); // option: 'retry.initialDelay' if that was used
 * ```
 */
export function renamedOption<N extends string, D extends string>(
  prefix: string,
  input: Partial<Record<N | D, unknown>>,
  name: N,
  deprecated: D,
): { option: string; value: unknown } {
  const path = (option: string): string => (prefix === '' ? option : `${prefix}.${option}`);
  const current = input[name];
  const old = input[deprecated];
  if (current !== undefined && old !== undefined) {
    throw new TelltaleConfigError({
      option: path(deprecated),
      value: old,
      expected: `to be left out when ${path(name)} is set (it is the deprecated name of ${path(name)})`,
    });
  }
  return current === undefined && old !== undefined
    ? { option: path(deprecated), value: old }
    : { option: path(name), value: current };
}
