import type { Redis } from 'ioredis';

/** Cancellation of running jobs across processes. */
export interface CancelChannel {
  /** Marks `id` cancelled (for the marker TTL, so a job that starts late still sees it) and tells every process. */
  request(id: string): Promise<void>;
  /**
   * True when `id` was cancelled, checked when an attempt starts. A cancel
   * message this process received is remembered, so a first attempt costs
   * no Redis round trip; a `rerun` (a retry, or a takeover after its worker
   * died, possibly by a process that started after the message) also reads
   * the marker key.
   */
  requested(id: string, rerun: boolean): boolean | Promise<boolean>;
  close(): Promise<void>;
}

/** Cancel messages remembered for jobs not (yet) running here; beyond this, the oldest are forgotten. */
const REMEMBERED = 10_000;

/**
 * BullMQ's `worker.cancelJob()` only reaches this process's workers, so a
 * cancel goes over Redis pub/sub to every process; `onCancel` aborts the job
 * when it runs here (BullMQ's own AbortSignal) and answers false otherwise,
 * and the id is then remembered for `ttl` ms in case the job starts here
 * just after the message. The marker key covers processes that were not
 * listening when the message went out.
 */
export async function createCancelChannel(
  subscriber: Redis,
  client: Redis,
  options: { prefix: string; ttl: number; now: () => number; onCancel: (id: string) => boolean },
): Promise<CancelChannel> {
  const channel = `${options.prefix}:cancel`;
  const marker = (id: string): string => `${options.prefix}:cancelled:${id}`;
  const ttl = Math.max(1, Math.round(options.ttl));
  // Id → when the message expires; insertion order is age order.
  const remembered = new Map<string, number>();
  const remembers = (id: string): boolean => {
    const until = remembered.get(id);
    if (until === undefined) return false;
    if (until > options.now()) return true;
    remembered.delete(id);
    return false;
  };
  subscriber.on('message', (from: string, id: string) => {
    if (from !== channel || options.onCancel(id)) return;
    remembered.delete(id);
    remembered.set(id, options.now() + ttl);
    if (remembered.size > REMEMBERED) remembered.delete(remembered.keys().next().value!);
  });
  await subscriber.subscribe(channel);
  return {
    async request(id) {
      await client.set(marker(id), '1', 'PX', ttl);
      await client.publish(channel, id);
    },
    requested(id, rerun) {
      if (remembers(id)) return true;
      return rerun ? client.exists(marker(id)).then((found) => found === 1) : false;
    },
    async close() {
      remembered.clear();
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}
