import { describeError } from '@telltale/core';

/** An error's message cut to 160 characters, for attempt reports and logs. */
export function shortMessage(error: unknown): string {
  const message = describeError(error);
  return message.length > 160 ? `${message.slice(0, 157)}...` : message;
}
