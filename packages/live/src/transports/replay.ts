import type { LiveConnection } from '../connection.js';
import { PreparedEvent } from '../frames.js';
import type { TransportContext } from './context.js';

/**
 * Writes what a new stream should see before live events: the events after
 * `resumeId` from the history, or the latest `replay` events for a stream
 * that does not resume. A broker failure degrades to no replay (logged and
 * counted), never to a failed connection.
 */
export async function replay(
  context: TransportContext,
  connection: LiveConnection,
  resumeId: number | undefined,
  write: (prepared: PreparedEvent) => void,
): Promise<void> {
  const { options, registry, telemetry } = context;
  if (resumeId === undefined && options.replay === 0) return;
  let events;
  try {
    ({ events } = await options.broker.history(connection.topic, resumeId ?? 0));
  } catch (error) {
    telemetry.brokerError('history');
    options.logger.error(
      { err: error, topic: connection.topic },
      'live: history unavailable; stream opened without replay',
    );
    return;
  }
  const selected = resumeId === undefined ? events.slice(-options.replay) : events;
  for (const event of selected) {
    if (!registry.has(connection)) return;
    if (event.id <= connection.lastSentId) continue;
    registry.noteId(connection.topic, event.id);
    write(new PreparedEvent(event, options.sse.formatId));
    connection.lastSentId = event.id;
  }
}
