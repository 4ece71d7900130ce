import type { Redis } from 'ioredis';

/** Cancellation of running jobs across processes. */
export interface CancelChannel {
  /** Marks `id` cancelled (for `ttl` ms, so a job that starts late still sees it) and tells every process. */
  request(id: string, ttl: number): Promise<void>;
  /** True when `id` was marked cancelled (checked when an attempt starts). */
  requested(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * BullMQ's `worker.cancelJob()` only reaches the local worker, so a cancel
 * from another process goes over Redis pub/sub; the marker key covers a job
 * that becomes active just after the message.
 */
export async function createCancelChannel(
  subscriber: Redis,
  client: Redis,
  prefix: string,
  onCancel: (id: string) => void,
): Promise<CancelChannel> {
  const channel = `${prefix}:cancel`;
  const marker = (id: string): string => `${prefix}:cancelled:${id}`;
  subscriber.on('message', (from: string, id: string) => {
    if (from === channel) onCancel(id);
  });
  await subscriber.subscribe(channel);
  return {
    async request(id, ttl) {
      await client.set(marker(id), '1', 'PX', Math.max(1, Math.round(ttl)));
      await client.publish(channel, id);
    },
    async requested(id) {
      return (await client.exists(marker(id))) === 1;
    },
    async close() {
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
