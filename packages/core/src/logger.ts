/** One logging method, pino-style: `(object, message)` or `(message)`. */
export type LogMethod = {
  (object: Record<string, unknown>, message?: string): void;
  (message: string): void;
};

/**
 * The logger port. Any pino-compatible logger (pino, a child logger, bunyan)
 * fits. Telltale is silent by default.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * import type { Logger } from '@telltale/core';
 * const logger: Logger = pino();
 * ```
 */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

const noop = (): void => {};

/**
 * A logger that discards everything: the default for every Telltale component.
 *
 * @example
 * ```ts
 * import { silentLogger } from '@telltale/core';
 * silentLogger.warn({ route: '/x' }, 'never printed');
 * ```
 */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/**
 * Returns a logger bound to `logger` when given, else {@link silentLogger}.
 * Methods the object lacks (e.g. a console-like object without `debug`)
 * become no-ops rather than crashing later.
 *
 * @example
 * ```ts
 * import { resolveLogger } from '@telltale/core';
 * const log = resolveLogger(options.logger);
 * ```
 */
export function resolveLogger(logger: Partial<Logger> | undefined): Logger {
  if (logger === undefined) return silentLogger;
  const bind = (name: keyof Logger): LogMethod => {
    const method = logger[name];
    return typeof method === 'function' ? method.bind(logger) : noop;
  };
  return { debug: bind('debug'), info: bind('info'), warn: bind('warn'), error: bind('error') };
}
