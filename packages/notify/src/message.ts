import { NotifyMessageError } from './errors.js';

/**
 * Notification severity, lowest first.
 *
 * @example
 * ```ts
 * const severity: Severity = 'critical';
 * ```
 */
export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** Severities in increasing order. */
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error', 'critical'];

/**
 * A recipient: an address, or an address with a display name.
 *
 * @example
 * ```ts
 * const to: Recipient[] = ['ana@example.com', { address: 'bo@example.com', name: 'Bo' }];
 * ```
 */
export type Recipient = string | { address: string; name?: string };

/**
 * A link shown with the message (a button in chat channels, `links` in PagerDuty).
 *
 * @example
 * ```ts
 * const link: MessageLink = { href: 'https://example.com/runbook', text: 'Runbook' };
 * ```
 */
export interface MessageLink {
  /** Absolute `http(s)` URL. */
  href: string;
  /** Label; defaults to the URL. */
  text?: string;
}

/**
 * A notification. Channels that address people (email) need `to`; chat and
 * incident channels ignore it.
 *
 * @example
 * ```ts
 * import type { NotificationMessage } from '@telltale/notify';
 * const message: NotificationMessage = {
 *   to: [{ address: 'ana@example.com', name: 'Ana' }],
 *   subject: 'Payment failed',
 *   text: 'Your card was declined.',
 *   severity: 'warning',
 *   links: [{ href: 'https://example.com/billing', text: 'Update card' }],
 * };
 * ```
 */
export interface NotificationMessage {
  /** Recipients, for channels that address people. */
  to?: readonly Recipient[];
  /** Subject / title / summary. Required, one line. */
  subject: string;
  /** Plain-text body. */
  text?: string;
  /** HTML body (email channels). */
  html?: string;
  /** Severity; default `info`. */
  severity?: Severity;
  /** Structured, JSON-serialisable details (webhook payload, PagerDuty `custom_details`). */
  data?: Readonly<Record<string, unknown>>;
  /** Links to show with the message. */
  links?: readonly MessageLink[];
  /** `resolved` sends a resolve event where the channel has one (PagerDuty). Default `firing`. */
  status?: 'firing' | 'resolved';
  /**
   * Key tying together the events of one incident (PagerDuty `dedup_key`);
   * default: the idempotency key. Use the same key to trigger and resolve.
   */
  correlationKey?: string;
}

/**
 * A notification rendered from a named template of the notifier's
 * `templates` registry: `subject`, `text` and `html` come from the template
 * unless given here. An unknown template or a missing variable is a
 * `NotifyTemplateError` at `send`.
 *
 * @example
 * ```ts
 * import type { TemplatedMessage } from '@telltale/notify';
 * const message: TemplatedMessage = { to: ['ana@example.com'], template: 'welcome', vars: { name: 'Ana' } };
 * ```
 */
export interface TemplatedMessage extends Omit<NotificationMessage, 'subject'> {
  /** Template name in the notifier's registry. */
  template: string;
  /** The template's variables. */
  vars?: Readonly<Record<string, unknown>>;
  /** Overrides the template's subject. */
  subject?: string;
}

/**
 * A validated message with recipients normalised to objects.
 *
 * @example
 * ```ts
 * const { subject, to } = delivery.message; // `to` is always an array of { address, name? }
 * ```
 */
export interface NormalizedMessage extends Omit<NotificationMessage, 'to' | 'severity' | 'status'> {
  to: readonly { address: string; name?: string }[];
  severity: Severity;
  status: 'firing' | 'resolved';
}

const LINE_BREAK = /[\r\n]/;
// Other C0 controls (and DEL) have no business in a header either.
function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if ((code < 32 && code !== 9) || code === 127) return true;
  }
  return false;
}
// Deliberately simple: one @, no spaces, brackets, quotes or separators that
// would let an address smuggle a second recipient or a header.
const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$|^[^\s@<>()[\]\\,;:"]+@localhost$/i;
/** Largest serialised `data` of a message, in bytes. */
export const MAX_MESSAGE_DATA_BYTES = 256 * 1024;

/** True when `value` is one plain `local@domain` address (what `to` accepts). */
export function isPlainAddress(value: string): boolean {
  return ADDRESS.test(value);
}

/** True when `value` can go into a header: no line break or other control character. */
export function isHeaderSafe(value: string): boolean {
  return !LINE_BREAK.test(value) && !hasControlCharacter(value);
}

function headerSafe(field: string, value: string): void {
  if (LINE_BREAK.test(value)) {
    throw new NotifyMessageError(
      field,
      'header-injection',
      'contains a line break (CR or LF), refused as header injection',
    );
  }
  if (hasControlCharacter(value)) {
    throw new NotifyMessageError(field, 'header-injection', 'contains a control character');
  }
}

function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new NotifyMessageError(field, 'type', 'expected a string');
  return value;
}

function normalizeRecipient(entry: unknown, index: number): { address: string; name?: string } {
  const field = `to[${index}]`;
  let address: unknown;
  let name: unknown;
  if (typeof entry === 'string') address = entry;
  else if (typeof entry === 'object' && entry !== null) {
    address = (entry as { address?: unknown }).address;
    name = (entry as { name?: unknown }).name;
  } else throw new NotifyMessageError(field, 'type', 'expected an address string or { address, name? }');
  if (typeof address !== 'string' || address.trim() === '') {
    throw new NotifyMessageError(`${field}.address`, 'empty', 'expected a non-empty address');
  }
  headerSafe(typeof entry === 'string' ? field : `${field}.address`, address);
  if (!ADDRESS.test(address.trim())) {
    throw new NotifyMessageError(`${field}.address`, 'invalid-address', 'is not a plain email address');
  }
  if (name === undefined) return { address: address.trim() };
  if (typeof name !== 'string') throw new NotifyMessageError(`${field}.name`, 'type', 'expected a string');
  headerSafe(`${field}.name`, name);
  return { address: address.trim(), name };
}

/**
 * Checks a message at `send` time and returns it normalised. Throws a
 * `NotifyMessageError` naming the field; `needsRecipients` is true when a
 * target channel addresses people.
 */
export function validateMessage(input: unknown, needsRecipients: boolean): NormalizedMessage {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new NotifyMessageError('message', 'type', 'expected a message object');
  }
  const message = input as Record<string, unknown>;
  const subject = optionalString('subject', message.subject);
  if (subject === undefined || subject.trim() === '') {
    throw new NotifyMessageError('subject', 'empty', 'expected a non-empty subject');
  }
  headerSafe('subject', subject);
  const text = optionalString('text', message.text);
  const html = optionalString('html', message.html);

  let to: { address: string; name?: string }[] = [];
  if (message.to !== undefined) {
    if (!Array.isArray(message.to)) throw new NotifyMessageError('to', 'type', 'expected an array of recipients');
    to = message.to.map(normalizeRecipient);
  }
  if (needsRecipients && to.length === 0) {
    throw new NotifyMessageError(
      'to',
      'missing',
      'a target channel addresses people (email) but the message has no recipients',
    );
  }

  const severity = message.severity ?? 'info';
  if (!SEVERITIES.includes(severity as Severity)) {
    throw new NotifyMessageError('severity', 'type', `expected one of ${SEVERITIES.join(', ')}`);
  }
  const status = message.status ?? 'firing';
  if (status !== 'firing' && status !== 'resolved') {
    throw new NotifyMessageError('status', 'type', 'expected "firing" or "resolved"');
  }
  const correlationKey = optionalString('correlationKey', message.correlationKey);
  if (correlationKey !== undefined) validateKey('correlationKey', correlationKey);

  let links: MessageLink[] | undefined;
  if (message.links !== undefined) {
    if (!Array.isArray(message.links)) throw new NotifyMessageError('links', 'type', 'expected an array of links');
    links = message.links.map((link: unknown, index) => {
      const href = (link as { href?: unknown } | null)?.href;
      if (typeof href !== 'string' || !/^https?:\/\//i.test(href) || !URL.canParse(href)) {
        throw new NotifyMessageError(`links[${index}].href`, 'invalid-url', 'expected an absolute http(s) URL');
      }
      const label = optionalString(`links[${index}].text`, (link as { text?: unknown }).text);
      if (label !== undefined) headerSafe(`links[${index}].text`, label);
      return label === undefined ? { href } : { href, text: label };
    });
  }

  let data: Record<string, unknown> | undefined;
  if (message.data !== undefined) {
    if (typeof message.data !== 'object' || message.data === null || Array.isArray(message.data)) {
      throw new NotifyMessageError('data', 'type', 'expected a plain object');
    }
    let serialized: string;
    try {
      serialized = JSON.stringify(message.data);
    } catch {
      throw new NotifyMessageError('data', 'not-serializable', 'must be JSON-serialisable');
    }
    if (Buffer.byteLength(serialized) > MAX_MESSAGE_DATA_BYTES) {
      throw new NotifyMessageError('data', 'too-large', `must serialise to at most ${MAX_MESSAGE_DATA_BYTES} bytes`);
    }
    data = JSON.parse(serialized) as Record<string, unknown>;
  }

  return {
    to,
    subject,
    severity: severity as Severity,
    status,
    ...(text === undefined ? {} : { text }),
    ...(html === undefined ? {} : { html }),
    ...(data === undefined ? {} : { data }),
    ...(links === undefined ? {} : { links }),
    ...(correlationKey === undefined ? {} : { correlationKey }),
  };
}

/** Keys (idempotency, correlation) end up in headers: one line, at most 255 characters. */
export function validateKey(field: string, key: unknown): string {
  if (typeof key !== 'string' || key.trim() === '')
    throw new NotifyMessageError(field, 'empty', 'expected a non-empty string');
  headerSafe(field, key);
  if (key.length > 255) throw new NotifyMessageError(field, 'too-large', 'must be at most 255 characters');
  return key;
}
