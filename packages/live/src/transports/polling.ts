import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TopicHistory } from '../broker.js';
import type { Lease } from '../connection.js';
import { eventJson } from '../frames.js';
import { SECURITY_HEADERS, sendJson } from '../http-responses.js';
import type { TransportContext } from './context.js';

/**
 * Answers a poll: `GET …?after=<id>` returns the events after `id` as JSON
 * with an `ETag` of the topic's latest id. `If-None-Match` with the current
 * tag answers 304; `?wait=<seconds>` (bounded by `maxPollWait`) holds the
 * request until an event arrives.
 */
export async function servePoll(
  context: TransportContext,
  request: IncomingMessage,
  response: ServerResponse,
  topic: string,
  lease: Lease,
  after: number,
  waitMilliseconds: number,
): Promise<void> {
  const { options, registry, telemetry } = context;
  try {
    let history = await readHistory(context, topic, after);
    if (!history) return unavailable(context, response);
    const tagMatches = (): boolean => ifNoneMatch(request) === etag(history!.lastId);
    if (waitMilliseconds > 0 && (history.events.length === 0 || tagMatches())) {
      let gone = false;
      const onClose = (): void => {
        gone = true;
      };
      response.once('close', onClose);
      const event = await registry.waitForEvent(topic, waitMilliseconds);
      response.removeListener('close', onClose);
      if (gone) return;
      if (event) {
        history = await readHistory(context, topic, after);
        if (!history) return unavailable(context, response);
      }
    }
    if (tagMatches()) {
      response.writeHead(304, { ...SECURITY_HEADERS, etag: etag(history.lastId) }).end();
      return;
    }
    for (const event of history.events) registry.noteId(topic, event.id);
    const body = `{"events":[${history.events.map(eventJson).join(',')}],"lastId":${history.lastId},"truncated":${history.truncated}}`;
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      etag: etag(history.lastId),
    });
    response.end(body);
    const newest = history.events.at(-1);
    if (newest)
      telemetry.delivered('polling', history.events.length, (options.clock.now() - newest.publishedAt) / 1000);
  } finally {
    lease.release();
  }
}

async function readHistory(context: TransportContext, topic: string, after: number): Promise<TopicHistory | undefined> {
  try {
    return await context.options.broker.history(topic, after);
  } catch (error) {
    context.telemetry.brokerError('history');
    context.options.logger.error({ err: error, topic }, 'live: history unavailable; poll answered 503');
    return undefined;
  }
}

function unavailable(context: TransportContext, response: ServerResponse): void {
  const retryAfter = String(context.options.retryAfterSeconds);
  sendJson(
    response,
    503,
    { error: 'broker_unavailable', message: 'Live history is unavailable; retry later' },
    { 'retry-after': retryAfter },
  );
}

function etag(lastId: number): string {
  return `"${lastId}"`;
}

function ifNoneMatch(request: IncomingMessage): string | undefined {
  const value = request.headers['if-none-match'];
  return value?.replace(/^W\//, '').trim();
}
