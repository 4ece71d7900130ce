import type { BrokerEvent } from './broker.js';

/**
 * One event serialised once for every client: the SSE frame and the JSON
 * text WebSocket and polling clients get. Built lazily, so a topic with only
 * WebSocket clients never builds the SSE frame.
 */
export class PreparedEvent {
  readonly event: BrokerEvent;
  readonly #formatId: (id: number) => string;
  #json: string | undefined;
  #sse: string | undefined;
  #jsonBytes: Buffer | undefined;
  #sseBytes: Buffer | undefined;

  constructor(event: BrokerEvent, formatId: (id: number) => string = String) {
    this.event = event;
    this.#formatId = formatId;
  }

  /** `{"id":…,"type":…,"data":…}` */
  get json(): string {
    return (this.#json ??= eventJson(this.event));
  }

  /** {@link PreparedEvent.json} encoded once: every socket gets the same buffer, not its own copy. */
  get jsonBytes(): Buffer {
    return (this.#jsonBytes ??= Buffer.from(this.json));
  }

  /** {@link PreparedEvent.sse} encoded once. */
  get sseBytes(): Buffer {
    return (this.#sseBytes ??= Buffer.from(this.sse));
  }

  /** `id:`, `event:` and one `data:` line of JSON (JSON never contains a raw newline). */
  get sse(): string {
    return (this.#sse ??= `id: ${this.#formatId(this.event.id)}\nevent: ${this.event.type}\ndata: ${dataJson(this.event)}\n\n`);
  }
}

/** The wire shape of an event for WebSocket and polling clients. */
export function eventJson(event: BrokerEvent): string {
  return `{"id":${event.id},"type":${JSON.stringify(event.type)},"data":${dataJson(event)}}`;
}

function dataJson(event: BrokerEvent): string {
  return event.dataJson ?? JSON.stringify(event.data) ?? 'null';
}

/** An SSE comment frame (a heartbeat or greeting); `text` has no line breaks. */
export function sseComment(text: string): string {
  return `:${text}\n\n`;
}

/** The final SSE frame of an ended topic. */
export const SSE_END = 'event: end\ndata: null\n\n';

/** The final WebSocket message of an ended topic. */
export const WS_END = '{"type":"end","data":null}';
