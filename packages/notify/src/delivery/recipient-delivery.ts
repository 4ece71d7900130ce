import type { DeliveryRecipient } from '../channel.js';
import type { NormalizedMessage, Severity } from '../message.js';
import { quietHoursRelease } from '../quiet-hours.js';
import type { ResolvedRecipient } from '../recipients.js';
import type { Lane } from './lanes.js';
import type { NotifierConfig } from './state.js';

/**
 * When a delivery may be attempted: `now`, or the end of the quiet hours
 * (its channel's, its recipient's, or both in turn) that hold it. Pure.
 */
export function releaseAt(
  config: Pick<NotifierConfig, 'quietHours' | 'recipients'>,
  channel: string,
  severity: Severity,
  recipientId: string | undefined,
  now: number,
): number {
  const channelQuiet = config.quietHours.get(channel);
  const personalQuiet = recipientId === undefined ? undefined : config.recipients.get(recipientId)?.quiet;
  if (channelQuiet === undefined && personalQuiet === undefined) return now;
  let at = now;
  // One window can end inside the other: follow them until neither holds (bounded).
  for (let round = 0; round < 4; round++) {
    let next = at;
    if (channelQuiet) next = quietHoursRelease(channelQuiet, severity, next);
    if (personalQuiet) next = quietHoursRelease(personalQuiet, severity, next);
    if (next === at) break;
    at = next;
  }
  return at;
}

/** The recipient on `channel`, as recorded on their delivery. */
export function recipientOf(person: ResolvedRecipient, channel: string): DeliveryRecipient {
  return {
    id: person.id,
    address: person.addresses.get(channel)!,
    ...(person.name === undefined ? {} : { name: person.name }),
  };
}

/** The message as one recipient gets it on `lane`: addressed to them alone. */
export function personalize(message: NormalizedMessage, lane: Lane, person: ResolvedRecipient): NormalizedMessage {
  const address = person.addresses.get(lane.name)!;
  return {
    ...message,
    to: lane.channel.addressesPeople ? [{ address, ...(person.name === undefined ? {} : { name: person.name }) }] : [],
  };
}
