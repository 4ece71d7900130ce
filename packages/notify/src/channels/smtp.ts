import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { TelltaleConfigError, options as check, redactSecrets, type DurationInput } from '@telltale/core';
import type { Delivery, DeliveryResult, NotificationChannel } from '../channel.js';
import { NotifyDeliveryError, type FailureClassification } from '../errors.js';
import { validateMessage } from '../message.js';

/**
 * Options of {@link smtpChannel}.
 *
 * @example
 * ```ts
 * smtpChannel({ host: 'smtp.example.com', port: 587, auth: { user: 'app', pass }, from: 'App <noreply@example.com>', maxConnections: 10 });
 * ```
 */
export interface SmtpChannelOptions {
  /** SMTP server host. */
  host: string;
  /** Port; default 587 (465 when `secure`). */
  port?: number;
  /** Implicit TLS (port 465). Default false: STARTTLS is used when offered. */
  secure?: boolean;
  /** Refuse to send unless STARTTLS succeeds. */
  requireTls?: boolean;
  /** Credentials. The password never appears in errors or logs. */
  auth?: { user: string; pass: string };
  /** Sender: an address or `{ address, name }`. */
  from: string | { address: string; name?: string };
  /** Domain of generated `Message-ID`s; default the sender's domain. */
  messageIdDomain?: string;
  /** Pooled connections; default 5. Also the default delivery concurrency. */
  maxConnections?: number;
  /** Messages per connection before it is recycled; default 100. */
  maxMessages?: number;
  /** Connect/greeting/socket inactivity timeout; default `'30s'`. */
  timeout?: DurationInput;
  /** Extra TLS options passed to nodemailer (e.g. `{ rejectUnauthorized: false }` for a test server). */
  tls?: Record<string, unknown>;
}

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/**
 * Classifies a nodemailer error: SMTP 4xx replies and connection failures
 * are retryable, 5xx replies and authentication failures permanent.
 */
export function classifySmtpError(error: NodemailerError): FailureClassification {
  if (typeof error.responseCode === 'number') {
    if (error.responseCode >= 400 && error.responseCode < 500) return 'retryable';
    if (error.responseCode >= 500) return 'permanent';
  }
  if (
    error.code === 'EAUTH' ||
    error.code === 'ENOAUTH' ||
    error.code === 'EENVELOPE' ||
    error.code === 'EMESSAGE' ||
    error.code === 'EMAXRECIPIENTS'
  ) {
    return 'permanent';
  }
  // ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, ETLS, EPROTOCOL and anything unknown:
  // the server never gave a verdict, so retry (bounded by the retry policy).
  return 'retryable';
}

/** `Message-ID` for a delivery: the idempotency key when it is a valid dot-atom, else its SHA-256. */
export function smtpMessageId(idempotencyKey: string, domain: string): string {
  const local =
    DOT_ATOM.test(idempotencyKey) && idempotencyKey.length <= 64
      ? idempotencyKey
      : createHash('sha256').update(idempotencyKey).digest('hex');
  return `<${local}@${domain}>`;
}

/**
 * SMTP channel over a pooled nodemailer transport. The `Message-ID` is
 * derived from the idempotency key, so a retried message keeps its id and
 * receivers can deduplicate. Classification: 4xx replies (421, 450, 451, 452)
 * and connection failures retryable; 5xx replies (550, 553, 554) and
 * authentication failures permanent. No default rate limit: pool size bounds
 * the load.
 *
 * @example
 * ```ts
 * import { createNotifier, smtpChannel } from '@telltale/notify';
 * const notifier = createNotifier({
 *   channels: {
 *     email: smtpChannel({ host: 'smtp.example.com', auth: { user: 'app', pass: process.env.SMTP_PASSWORD! }, from: 'App <noreply@example.com>' }),
 *   },
 * });
 * ```
 */
export function smtpChannel(options: SmtpChannelOptions): NotificationChannel {
  check.object('smtpChannel', options);
  const host = check.nonEmptyString('smtpChannel.host', options.host);
  const secure = options.secure ?? false;
  const port =
    options.port === undefined ? (secure ? 465 : 587) : check.positiveInteger('smtpChannel.port', options.port);
  if (port > 65535)
    throw new TelltaleConfigError({
      option: 'smtpChannel.port',
      value: port,
      expected: 'a port number from 1 to 65535',
    });
  const from = parseFrom(options.from);
  const messageIdDomain = check.nonEmptyString(
    'smtpChannel.messageIdDomain',
    options.messageIdDomain,
    from.address.split('@')[1],
  );
  const maxConnections = check.positiveInteger('smtpChannel.maxConnections', options.maxConnections, 5);
  const maxMessages = check.positiveInteger('smtpChannel.maxMessages', options.maxMessages, 100);
  const timeout = check.duration('smtpChannel.timeout', options.timeout, '30s');
  if (
    options.auth !== undefined &&
    (typeof options.auth?.user !== 'string' || typeof options.auth?.pass !== 'string')
  ) {
    throw new TelltaleConfigError({
      option: 'smtpChannel.auth',
      value: '<redacted>',
      expected: '{ user: string, pass: string }',
    });
  }
  const transport = createTransport({
    pool: true,
    host,
    port,
    secure,
    requireTLS: options.requireTls ?? false,
    maxConnections,
    maxMessages,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    disableFileAccess: true,
    disableUrlAccess: true,
    ...(options.auth === undefined ? {} : { auth: { user: options.auth.user, pass: options.auth.pass } }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  return {
    kind: 'smtp',
    addressesPeople: true,
    concurrency: maxConnections,
    async deliver(delivery: Delivery, { signal }): Promise<DeliveryResult> {
      const message = delivery.message;
      const messageId = smtpMessageId(delivery.idempotencyKey, messageIdDomain);
      try {
        const info = await transport.sendMail({
          from: from.name === undefined ? from.address : { name: from.name, address: from.address },
          to: message.to.map((recipient) =>
            recipient.name === undefined ? recipient.address : { name: recipient.name, address: recipient.address },
          ),
          subject: message.subject,
          text: message.text ?? message.subject,
          ...(message.html === undefined ? {} : { html: message.html }),
          messageId,
          headers: { 'X-Telltale-Delivery-Id': delivery.id },
          signal,
        });
        const rejected = ((info.rejected ?? []) as (string | { address: string })[]).map((entry) =>
          typeof entry === 'string' ? entry : entry.address,
        );
        return { providerMessageId: messageId, ...(rejected.length > 0 ? { rejected } : {}) };
      } catch (error) {
        if (signal.aborted) throw error;
        throw smtpError(error as NodemailerError);
      }
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}

function smtpError(error: NodemailerError): NotifyDeliveryError {
  const classification = classifySmtpError(error);
  const reply = typeof error.response === 'string' ? error.response : error.message;
  return new NotifyDeliveryError(`SMTP delivery failed: ${redactSecrets(reply).slice(0, 300)}`, {
    classification,
    provider: 'smtp',
    status: error.responseCode,
    providerCode: error.code,
    cause: error,
  });
}

function parseFrom(value: unknown): { address: string; name?: string } {
  if (typeof value === 'string') {
    const match = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(value);
    if (match) value = match[1] ? { name: match[1].replace(/^"|"$/g, ''), address: match[2] } : match[2];
  }
  try {
    return validateMessage({ subject: 'x', to: [value] }, true).to[0]!;
  } catch {
    throw new TelltaleConfigError({
      option: 'smtpChannel.from',
      value,
      expected: 'an email address, "Name <address>" or { address, name? }',
    });
  }
}
