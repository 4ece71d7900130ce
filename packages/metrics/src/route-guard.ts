import type { Logger } from '@telltale/core';

/**
 * Caps the number of distinct `http.route` values. Framework route templates
 * are bounded already; this guards against a `getRoute` (or a parametrised
 * mount path) that leaks raw values. Routes beyond the cap fold into one
 * overflow value, with a warning logged once.
 */
export function createRouteGuard(maxRoutes: number, overflowRoute: string, logger: Logger): (route: string) => string {
  const seen = new Set<string>();
  let warned = false;
  return (route) => {
    if (seen.has(route)) return route;
    if (seen.size < maxRoutes) {
      seen.add(route);
      return route;
    }
    if (!warned) {
      warned = true;
      logger.warn(
        { maxRoutes, overflowRoute, route },
        `@telltale/metrics: more than ${maxRoutes} distinct http.route values; further routes are recorded as "${overflowRoute}"`,
      );
    }
    return overflowRoute;
  };
}
