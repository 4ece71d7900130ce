import { resolveLogger, options as check, TelltaleConfigError, type Logger } from '@telltale/core';
import type { Delivery, DeliveryResult, NotificationChannel } from '../channel.js';
import { messagePayload } from '../format.js';

/**
 * Options of {@link consoleChannel}.
 *
 * @example
 * ```ts
 * consoleChannel({ stream: process.stderr });
 * ```
 */
export interface ConsoleChannelOptions {
  /** Logger port to write through (at `info`, or `warn`/`error` for those severities). */
  logger?: Partial<Logger>;
  /** Writable stream to write JSON lines to (ignored when `logger` is given); default `process.stdout`. */
  stream?: { write(chunk: string): unknown };
}

/**
 * Writes each message as one JSON line to a stream, or as a structured entry
 * through the logger port. Useful in development and as a last-resort
 * channel. Never fails except when the stream throws (retryable).
 *
 * @example
 * ```ts
 * import { consoleChannel, createNotifier } from '@telltale/notify';
 * import pino from 'pino';
 * const notifier = createNotifier({ channels: { log: consoleChannel({ logger: pino() }) } });
 * ```
 */
export function consoleChannel(options: ConsoleChannelOptions = {}): NotificationChannel {
  check.object('consoleChannel', options);
  if (options.stream !== undefined && typeof options.stream?.write !== 'function') {
    throw new TelltaleConfigError({
      option: 'consoleChannel.stream',
      value: options.stream,
      expected: 'a writable stream',
    });
  }
  const logger = options.logger === undefined ? undefined : resolveLogger(options.logger);
  const stream = options.stream ?? process.stdout;
  return {
    kind: 'console',
    addressesPeople: false,
    deliver(delivery: Delivery): Promise<DeliveryResult> {
      const entry = {
        notification: { id: delivery.idempotencyKey, channel: delivery.channel, ...messagePayload(delivery.message) },
      };
      if (logger) {
        const level =
          delivery.message.severity === 'critical' || delivery.message.severity === 'error'
            ? 'error'
            : delivery.message.severity === 'warning'
              ? 'warn'
              : 'info';
        logger[level](entry, delivery.message.subject);
      } else {
        stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
      }
      return Promise.resolve({});
    },
  };
}
