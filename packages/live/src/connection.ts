import type { LiveTransport } from './hub-options.js';
import type { PreparedEvent } from './frames.js';
import type { DisconnectReason } from './telemetry.js';

/** What the registry needs from one open stream, whatever its transport. */
export interface LiveConnection {
  readonly transport: LiveTransport;
  readonly topic: string;
  readonly key: string;
  /** Clock time the request arrived. */
  readonly requestedAt: number;
  /** Id of the last event written; later events with a smaller or equal id are skipped. */
  lastSentId: number;
  /** Clock time of the last event written or client activity. */
  lastActivity: number;
  /** Bytes queued on the socket and not yet sent. */
  bufferedBytes(): number;
  /** Writes an already serialised event. */
  write(prepared: PreparedEvent): void;
  /** Writes a heartbeat; false when the peer did not answer the previous one (WebSocket). */
  heartbeat(): boolean;
  /** Tears the transport down; `ended` sends the final `end` event first. Called once, by the registry. */
  close(reason: DisconnectReason): void;
}

/** A slot counted against the caps from admission until the stream closes. */
export interface Lease {
  readonly key: string;
  release(): void;
}
