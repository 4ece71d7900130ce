import { options as check, resolveLogger, TelltaleConfigError, type Logger } from '@telltale/core';
import type { AlertReceiverOptions } from './alert-receiver.js';
import type { AlertmanagerWebhookOptions } from './webhook-types.js';

/** The webhook's options, validated, with defaults applied. */
export interface WebhookSettings {
  /** `undefined` when `allowUnauthenticated: true`. */
  readonly bearerToken: string | undefined;
  readonly maxBodySize: number;
  /** Milliseconds. */
  readonly bodyTimeout: number;
  /** The `Retry-After` header value, whole seconds (at least 1). */
  readonly retryAfterSeconds: string;
  readonly logger: Logger;
  /** What is left for {@link alertReceiver}. */
  readonly receiverOptions: AlertReceiverOptions;
}

/**
 * Validates {@link AlertmanagerWebhookOptions} (throws `TelltaleConfigError`)
 * and warns once when the endpoint accepts unauthenticated requests.
 */
export function resolveWebhookOptions(options: AlertmanagerWebhookOptions): WebhookSettings {
  check.object('alertmanagerWebhookHandler', options);
  const {
    bearerToken,
    allowUnauthenticated,
    bodyTimeout: bodyTimeoutInput,
    maxBodySize: limitInput,
    retryAfter: retryInput,
    logger: loggerInput,
    ...receiverOptions
  } = options;
  if (allowUnauthenticated !== undefined && typeof allowUnauthenticated !== 'boolean') {
    throw new TelltaleConfigError({
      option: 'allowUnauthenticated',
      value: allowUnauthenticated,
      expected: 'a boolean',
    });
  }
  if (bearerToken === undefined && allowUnauthenticated !== true) {
    throw new TelltaleConfigError({
      option: 'bearerToken',
      value: undefined,
      expected: 'a non-empty string (the token Alertmanager sends), or `allowUnauthenticated: true` to accept anyone',
    });
  }
  if (bearerToken !== undefined && (typeof bearerToken !== 'string' || bearerToken.length === 0)) {
    throw new TelltaleConfigError({ option: 'bearerToken', value: '<redacted>', expected: 'a non-empty string' });
  }
  if (bearerToken !== undefined && allowUnauthenticated === true) {
    throw new TelltaleConfigError({
      option: 'allowUnauthenticated',
      value: true,
      expected: 'not set together with `bearerToken`',
    });
  }
  const maxBodySize = check.positiveInteger('maxBodySize', limitInput, 1024 * 1024);
  const retryAfterSeconds = String(Math.max(1, Math.ceil(check.duration('retryAfter', retryInput, '30s') / 1000)));
  const bodyTimeout = check.duration('bodyTimeout', bodyTimeoutInput, '10s');
  const logger = resolveLogger(loggerInput);
  if (bearerToken === undefined) {
    logger.warn(
      { option: 'allowUnauthenticated' },
      'alertmanager webhook accepts unauthenticated requests: anyone who can reach it can page on-call',
    );
  }
  return { bearerToken, maxBodySize, bodyTimeout, retryAfterSeconds, logger, receiverOptions };
}
