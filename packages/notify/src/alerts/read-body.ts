import type { IncomingMessage } from 'node:http';

/** How reading a request body ended. */
export type BodyRead =
  { outcome: 'read'; body: Buffer } | { outcome: 'too-large' } | { outcome: 'timeout' } | { outcome: 'aborted' };

/**
 * Reads at most `limit` bytes within `timeout` milliseconds. The timer bounds
 * the whole body, not each chunk, so a client trickling one byte at a time
 * cannot hold the request open until Node's own request timeout.
 */
export function readBody(request: IncomingMessage, limit: number, timeout: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyRead): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        request.resume();
        finish({ outcome: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ outcome: 'read', body: Buffer.concat(chunks) });
    const onError = (): void => finish({ outcome: 'aborted' });
    const onClose = (): void => {
      if (!request.complete) finish({ outcome: 'aborted' });
    };
    // Not unref()ed: it bounds a response somebody is waiting for.
    const timer = setTimeout(() => finish({ outcome: 'timeout' }), timeout);
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('error', onError);
    request.once('close', onClose);
  });
}
