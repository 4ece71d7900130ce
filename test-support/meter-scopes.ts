import type { CollectedMetrics } from './metric-reader.js';

/** Anything with `getMeter(name, …)`: an SDK `MeterProvider` (no SDK import needed here). */
interface HasGetMeter {
  getMeter(name: string, ...rest: never[]): unknown;
}

/**
 * Wraps a meter provider so a test can tell which instrumentation scopes asked it for a meter
 * (`meterProvider: false` must ask for none). Everything else goes to the wrapped provider.
 *
 * @example
 *   const spy = watchScopes(new MeterProvider({ readers: [reader] }));
 *   metrics.setGlobalMeterProvider(spy.provider);
 *   ... exercise the package with { meterProvider: false } ...
 *   expect([...spy.scopes]).toEqual([]);
 */
export function watchScopes<P extends HasGetMeter>(provider: P): { provider: P; scopes: Set<string> } {
  const scopes = new Set<string>();
  const getMeter = (name: string, ...rest: never[]): unknown => {
    scopes.add(name);
    return provider.getMeter(name, ...rest);
  };
  const watched = new Proxy(provider, {
    get: (target, key) => (key === 'getMeter' ? getMeter : Reflect.get(target, key, target)),
  });
  return { provider: watched, scopes };
}

/** The instruments in `collected` whose names start with one of `prefixes`, sorted. */
export function instrumentsNamed(collected: CollectedMetrics, prefixes: readonly string[]): string[] {
  return Object.keys(collected)
    .filter((name) => prefixes.some((prefix) => name.startsWith(prefix)))
    .sort();
}
