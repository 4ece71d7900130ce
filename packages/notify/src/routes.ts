import { options as check, TelltaleConfigError } from '@telltale/core';
import { SEVERITIES, type NotificationMessage, type Severity } from './message.js';

/**
 * A routing rule of the notifier: a message matching it (every given
 * condition) goes to `channels`. Rules are tried in order; the first match
 * wins; a message matching none goes to every channel. `send({ channels })`
 * bypasses routing.
 *
 * @example
 * ```ts
 * const routes: NotifyRoute[] = [
 *   { minSeverity: 'critical', channels: ['pager', 'email', 'ops'] },
 *   { when: (message) => message.data?.team === 'billing', channels: ['billing-email'] },
 *   { minSeverity: 'warning', channels: ['ops'] },
 *   { channels: ['log'] },
 * ];
 * ```
 */
export interface NotifyRoute {
  /** Matches messages at this severity or above. */
  minSeverity?: Severity;
  /** Matches exactly these severities. */
  severities?: readonly Severity[];
  /** Any other condition (labels in `data`, the subject, ...). */
  when?: (message: NotificationMessage) => boolean;
  /** Channels matching messages go to (each once, to the message's own `to`). */
  channels?: readonly string[];
  /** Ids of the notifier's `recipients` matching messages go to, on their preferred channels. */
  recipients?: readonly string[];
}

const rank = (severity: Severity): number => SEVERITIES.indexOf(severity);

/** Validates `routes` against the channel names. */
export function validateRoutes(
  input: readonly NotifyRoute[] | undefined,
  channelNames: readonly string[],
  recipientIds: readonly string[] = [],
): readonly NotifyRoute[] | undefined {
  if (input === undefined) return undefined;
  const routes: unknown = input;
  if (!Array.isArray(routes))
    throw new TelltaleConfigError({ option: 'routes', value: routes, expected: 'an array of routes' });
  (routes as NotifyRoute[]).forEach((route, index) => {
    const option = `routes[${index}]`;
    check.object(option, route);
    const channels: unknown = route.channels ?? [];
    const recipients: unknown = route.recipients ?? [];
    if (!Array.isArray(channels) || (channels.length === 0 && route.recipients === undefined)) {
      throw new TelltaleConfigError({
        option: `${option}.channels`,
        value: route.channels,
        expected: 'a non-empty array of channel names (or `recipients`)',
      });
    }
    if (!Array.isArray(recipients) || (route.recipients !== undefined && recipients.length === 0)) {
      throw new TelltaleConfigError({
        option: `${option}.recipients`,
        value: route.recipients,
        expected: 'a non-empty array of recipient ids',
      });
    }
    for (const id of recipients as unknown[]) {
      if (typeof id !== 'string' || !recipientIds.includes(id)) {
        throw new TelltaleConfigError({
          option: `${option}.recipients`,
          value: id,
          expected:
            recipientIds.length === 0 ? 'ids from `recipients` (none configured)' : `one of ${recipientIds.join(', ')}`,
        });
      }
    }
    for (const name of channels as unknown[]) check.oneOf(`${option}.channels`, name, channelNames);
    if (route.minSeverity !== undefined) check.oneOf(`${option}.minSeverity`, route.minSeverity, SEVERITIES);
    for (const severity of route.severities ?? []) check.oneOf(`${option}.severities`, severity, SEVERITIES);
    check.optionalFunction(`${option}.when`, route.when);
  });
  return input;
}

/** The first matching route, or `undefined`. */
export function routeMessage(routes: readonly NotifyRoute[], message: NotificationMessage): NotifyRoute | undefined {
  const severity = SEVERITIES.includes(message.severity as Severity) ? (message.severity as Severity) : 'info';
  for (const route of routes) {
    if (route.minSeverity !== undefined && rank(severity) < rank(route.minSeverity)) continue;
    if (route.severities !== undefined && !route.severities.includes(severity)) continue;
    if (route.when !== undefined && !route.when(message)) continue;
    return route;
  }
  return undefined;
}
