import {
  delay,
  describeError,
  formatDuration,
  redactSecrets,
  TelltaleConfigError,
  TelltaleError,
  type Clock,
  type Disposable,
  type Logger,
} from '@telltale/core';
import { trackServer, type DrainableServer, type ServerDrain } from './server-drain.js';

/** Resolved timings and hooks of a shutdown sequence. */
export interface ShutdownSettings {
  clock: Clock;
  logger: Logger;
  shutdownDelay: number;
  drainTimeout: number;
  handlerTimeout: number;
  /** Signals that start the sequence (none when signals are not handled). */
  signals: readonly NodeJS.Signals[];
  /** Called first, synchronously: readiness must fail from here on. */
  onBegin(): void;
  /** Called last, after handlers. */
  onComplete(): void;
}

interface RegisteredHandler {
  handler: () => unknown;
  name: string;
  timeout: number;
}

/** The graceful shutdown sequence a registry owns. */
export interface ShutdownSequence {
  addHandler(handler: RegisteredHandler): Disposable;
  manageServer(server: DrainableServer): Disposable;
  /** Idempotent: every call returns the same promise. */
  begin(): Promise<void>;
  /** Removes signal listeners and server tracking (does not run the sequence). */
  close(): void;
}

/**
 * Delay (readiness already failing) → drain managed servers → handlers in
 * order, each bounded → done. Handlers run after the drain so requests still
 * in flight can use what the handlers close (pools, clients).
 */
export function createShutdownSequence(settings: ShutdownSettings): ShutdownSequence {
  const { clock, logger } = settings;
  const servers = new Set<ServerDrain>();
  const handlers = new Set<RegisteredHandler>();
  let running: Promise<void> | undefined;

  const runHandler = async (handler: RegisteredHandler): Promise<void> => {
    const controller = new AbortController();
    try {
      await Promise.race([
        Promise.resolve().then(handler.handler),
        delay(handler.timeout, { clock, signal: controller.signal }).then(() => {
          throw new TelltaleError(
            'TELLTALE_TIMEOUT',
            `shutdown handler "${handler.name}" timed out after ${formatDuration(handler.timeout)}`,
          );
        }),
      ]);
    } catch (error) {
      logger.error({ handler: handler.name, error: redactSecrets(describeError(error)) }, 'shutdown handler failed');
    } finally {
      controller.abort();
    }
  };

  const begin = (): Promise<void> => {
    running ??= (async () => {
      settings.onBegin();
      logger.info({ shutdownDelay: formatDuration(settings.shutdownDelay) }, 'shutdown started: readiness now fails');
      await delay(settings.shutdownDelay, { clock });
      const drained = await Promise.all([...servers].map((server) => server.drain(settings.drainTimeout, clock)));
      const forced = drained.reduce((sum, result) => sum + result.forced, 0);
      if (forced > 0) logger.warn({ forced }, 'drain timeout: connections with in-flight requests were closed');
      for (const handler of handlers) await runHandler(handler);
      settings.onComplete();
      logger.info('shutdown complete');
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'shutdown signal received');
    void begin().finally(() => {
      removeSignalListeners();
      // Re-raise so the process ends the way the signal intended (exit status 128 + n).
      process.kill(process.pid, signal);
    });
  };
  const removeSignalListeners = (): void => {
    for (const signal of settings.signals) process.removeListener(signal, onSignal);
  };
  for (const signal of settings.signals) process.once(signal, onSignal);

  return {
    addHandler(handler) {
      handlers.add(handler);
      return { dispose: () => handlers.delete(handler) };
    },
    manageServer(server) {
      if (typeof server?.closeAllConnections !== 'function') {
        throw new TelltaleConfigError({
          option: 'server',
          value: server,
          expected: 'a node:http or node:https server',
        });
      }
      const tracked = trackServer(server);
      servers.add(tracked);
      return {
        dispose() {
          servers.delete(tracked);
          tracked.dispose();
        },
      };
    },
    begin,
    close() {
      removeSignalListeners();
      for (const server of servers) server.dispose();
    },
  };
}
