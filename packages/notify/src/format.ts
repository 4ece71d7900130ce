import type { NormalizedMessage } from './message.js';

/** Cuts `text` to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Plain-text body of a message: its text, else the subject. */
export function plainBody(message: NormalizedMessage): string {
  return message.text !== undefined && message.text.trim() !== '' ? message.text : message.subject;
}

/** Prefix for chat titles: a resolved message reads `[RESOLVED]`, an error `[ERROR]`. */
export function titlePrefix(message: NormalizedMessage): string {
  if (message.status === 'resolved') return '[RESOLVED] ';
  return message.severity === 'info' ? '' : `[${message.severity.toUpperCase()}] `;
}

/** The webhook/event JSON representation of a message (no secrets, stable field names). */
export function messagePayload(message: NormalizedMessage): Record<string, unknown> {
  return {
    subject: message.subject,
    ...(message.text === undefined ? {} : { text: message.text }),
    ...(message.html === undefined ? {} : { html: message.html }),
    severity: message.severity,
    status: message.status,
    to: message.to,
    ...(message.data === undefined ? {} : { data: message.data }),
    ...(message.links === undefined ? {} : { links: message.links }),
    ...(message.correlationKey === undefined ? {} : { correlationKey: message.correlationKey }),
  };
}
