import { createHash } from 'node:crypto';
import { options as check, TelltaleConfigError, timeZoneOption } from '@telltale/core';
import type { NotificationChannel } from './channel.js';
import { isHeaderSafe, isPlainAddress, SEVERITIES, type Severity } from './message.js';
import { resolveQuietWindow, type QuietWindow, type ResolvedQuietHours } from './quiet-hours.js';

/**
 * One person (or team) the notifier knows by id, with their preferences:
 * where to reach them, which severities they want, and when not to disturb
 * them. Address them with `send(message, { recipients: ['ana'] })` or a
 * route's `recipients`: the message fans out into one delivery per preferred
 * channel, each with its own idempotency key ({@link recipientIdempotencyKey}).
 *
 * @example
 * ```ts
 * const ana: RecipientPreferences = {
 *   name: 'Ana',
 *   addresses: { email: 'ana@example.com', sms: '+4915112345678', ops: 'U024BE7LH' },
 *   channels: ['email', 'sms'],
 *   minSeverity: 'warning',
 *   timezone: 'Europe/Berlin',
 *   quietHours: { start: '22:00', end: '07:00' },
 * };
 * ```
 */
export interface RecipientPreferences {
  /** Display name, used with email addresses. */
  name?: string;
  /**
   * The recipient's address on each channel that can reach them, by channel
   * name: an email address for channels that address people (SMTP,
   * SendGrid), anything else (a Slack user id, a phone number) for the
   * others, which find it in `delivery.recipient.address`.
   */
  addresses: Readonly<Record<string, string>>;
  /** Preferred channels (each needs an address); default: every channel in `addresses`. */
  channels?: readonly string[];
  /** Messages below this severity are skipped for this recipient (reported, never queued); default `info`. */
  minSeverity?: Severity;
  /** IANA time zone for `quietHours`, e.g. `America/New_York`; default `UTC`. */
  timezone?: string;
  /**
   * Daily quiet window in `timezone`: deliveries below `urgentSeverity`
   * (default `critical`) that would go out inside it are deferred — kept in
   * the store with a not-before time — until it ends; never dropped.
   */
  quietHours?: QuietWindow;
}

/** A validated recipient. */
export interface ResolvedRecipient {
  id: string;
  name: string | undefined;
  addresses: ReadonlyMap<string, string>;
  channels: readonly string[];
  minSeverity: number;
  quiet: ResolvedQuietHours | undefined;
}

const RECIPIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Validates `recipients` against the channels, throwing `TelltaleConfigError` naming the option. */
export function resolveRecipients(
  input: Readonly<Record<string, RecipientPreferences>> | undefined,
  channels: ReadonlyMap<string, NotificationChannel>,
): Map<string, ResolvedRecipient> {
  const resolved = new Map<string, ResolvedRecipient>();
  const names = [...channels.keys()].join(', ');
  for (const [id, preferences] of Object.entries(check.object('recipients', input))) {
    const option = `recipients.${id}`;
    if (!RECIPIENT_ID.test(id)) {
      throw new TelltaleConfigError({
        option,
        value: id,
        expected: 'an id of letters, digits, ".", "_" or "-" (at most 128), e.g. "ana" or "team.db"',
      });
    }
    check.object(option, preferences);
    const name = preferences.name;
    if (name !== undefined && (typeof name !== 'string' || !isHeaderSafe(name))) {
      throw new TelltaleConfigError({ option: `${option}.name`, value: name, expected: 'a one-line string' });
    }
    const addresses = new Map<string, string>();
    for (const [channel, address] of Object.entries(check.object(`${option}.addresses`, preferences.addresses))) {
      const addressOption = `${option}.addresses.${channel}`;
      const target = channels.get(channel);
      if (!target)
        throw new TelltaleConfigError({ option: addressOption, value: channel, expected: `one of ${names}` });
      if (typeof address !== 'string' || address.trim() === '' || address.length > 320 || !isHeaderSafe(address)) {
        throw new TelltaleConfigError({
          option: addressOption,
          value: address,
          expected: 'a non-empty one-line address (at most 320 characters)',
        });
      }
      if (target.addressesPeople && !isPlainAddress(address.trim())) {
        throw new TelltaleConfigError({
          option: addressOption,
          value: address,
          expected: `a plain email address (channel "${channel}" addresses people by email)`,
        });
      }
      addresses.set(channel, address.trim());
    }
    if (addresses.size === 0) {
      throw new TelltaleConfigError({
        option: `${option}.addresses`,
        value: preferences.addresses,
        expected: 'at least one channel address',
      });
    }
    const preferred: unknown = preferences.channels ?? [...addresses.keys()];
    if (!Array.isArray(preferred) || preferred.length === 0) {
      throw new TelltaleConfigError({
        option: `${option}.channels`,
        value: preferred,
        expected: 'a non-empty array of channel names',
      });
    }
    // Preferred channels must be ones the recipient has an address on.
    for (const channel of preferred as unknown[]) check.oneOf(`${option}.channels`, channel, [...addresses.keys()]);
    const minSeverity = check.oneOf(`${option}.minSeverity`, preferences.minSeverity, SEVERITIES, 'info');
    const zone = timeZoneOption(`${option}.timezone`, preferences.timezone);
    resolved.set(id, {
      id,
      name,
      addresses,
      channels: [...new Set(preferred as string[])],
      minSeverity: SEVERITIES.indexOf(minSeverity),
      quiet:
        preferences.quietHours === undefined
          ? undefined
          : resolveQuietWindow(`${option}.quietHours`, preferences.quietHours, zone),
    });
  }
  return resolved;
}

/**
 * The idempotency key of one recipient's delivery on one channel, derived
 * from the `send`'s key: `<key>/<recipient>/<channel>`, or
 * `fanout-<sha256>` when that would exceed 255 characters (or a channel name
 * is not header-safe). It is what the
 * channel sees (`delivery.idempotencyKey`: SMTP `Message-ID`, `webhook-id`,
 * PagerDuty `dedup_key`), stable across retries and restarts, so a receiver
 * can drop the duplicate of a fan-out delivery re-sent after a crash.
 *
 * @example
 * ```ts
 * import { recipientIdempotencyKey } from '@telltale/notify';
 * recipientIdempotencyKey('invoice-42-failed', 'ana', 'email'); // 'invoice-42-failed/ana/email'
 * ```
 */
export function recipientIdempotencyKey(key: string, recipientId: string, channel: string): string {
  const derived = `${key}/${recipientId}/${channel}`;
  if (derived.length <= 255 && isHeaderSafe(derived)) return derived;
  return `fanout-${createHash('sha256').update(`${key}\n${recipientId}\n${channel}`).digest('hex')}`;
}
