import type { BrokerEvent } from './broker.js';

/**
 * One event serialised once for every client: the SSE frame and the JSON
 * text WebSocket and polling clients get. Built lazily, so a topic with only
 * WebSocket clients never builds the SSE frame.
 */
export class PreparedEvent {
  readonly event: BrokerEvent;
  #json: string | undefined;
  #sse: string | undefined;

  constructor(event: BrokerEvent) {
    this.event = event;
  }

  /** `{"id":…,"type":…,"data":…}` */
  get json(): string {
    return (this.#json ??= eventJson(this.event));
  }

  /** `id:`, `event:` and one `data:` line of JSON (JSON never contains a raw newline). */
  get sse(): string {
    return (this.#sse ??= `id: ${this.event.id}\nevent: ${this.event.type}\ndata: ${dataJson(this.event)}\n\n`);
  }
}

/** The wire shape of an event for WebSocket and polling clients. */
export function eventJson(event: BrokerEvent): string {
  return `{"id":${event.id},"type":${JSON.stringify(event.type)},"data":${dataJson(event)}}`;
}

function dataJson(event: BrokerEvent): string {
  return event.dataJson ?? JSON.stringify(event.data) ?? 'null';
}

/** The SSE comment line sent as a heartbeat. */
export const SSE_HEARTBEAT = ':\n\n';

/** The final SSE frame of an ended topic. */
export const SSE_END = 'event: end\ndata: null\n\n';

/** The final WebSocket message of an ended topic. */
export const WS_END = '{"type":"end","data":null}';
