import { options as check, TelltaleConfigError } from '@telltale/core';
import type { NotifierOptions } from '../notifier-types.js';
import { resolveQuietHours } from '../quiet-hours.js';
import { resolveRecipients } from '../recipients.js';
import { validateRoutes } from '../routes.js';
import { createLanes, resolveSettings } from './lanes.js';
import type { NotifierConfig } from './state.js';

/**
 * Validates every option of `createNotifier` at construction, throwing
 * `TelltaleConfigError` naming the option, so nothing fails later on a typo.
 */
export function resolveConfig(options: NotifierOptions): NotifierConfig {
  const settings = resolveSettings(options);
  const lanes = createLanes(options, settings);
  const channelNames = [...lanes.keys()];
  const recipients = resolveRecipients(
    options.recipients,
    new Map([...lanes.values()].map((lane) => [lane.name, lane.channel] as const)),
  );
  const routes = validateRoutes(options.routes, channelNames, [...recipients.keys()]);
  const fallbacks = new Map<string, string>();
  for (const [from, to] of Object.entries(check.object('fallbacks', options.fallbacks))) {
    if (!lanes.has(from) || typeof to !== 'string' || !lanes.has(to) || to === from) {
      throw new TelltaleConfigError({
        option: `fallbacks.${from}`,
        value: to,
        expected: `two different channel names (${channelNames.join(', ')})`,
      });
    }
    fallbacks.set(from, to);
  }
  const quietHours = new Map(
    Object.entries(options.quietHours ?? {}).map(([name, window]) => {
      if (!lanes.has(name)) {
        throw new TelltaleConfigError({
          option: `quietHours.${name}`,
          value: name,
          expected: `one of ${channelNames.join(', ')}`,
        });
      }
      return [name, resolveQuietHours(`quietHours.${name}`, window)] as const;
    }),
  );
  return { settings, lanes, channelNames, recipients, routes, fallbacks, quietHours };
}
