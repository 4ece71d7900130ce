import type { Lease } from './connection.js';
import type { LiveRefusal, ResolvedHubOptions } from './hub-options.js';
import type { JsonAnswer } from './http-responses.js';
import type { LiveTelemetry } from './telemetry.js';

/**
 * The connection caps of one hub: `maxConnections` on this instance, and
 * `maxConnectionsPerKey` on this instance and, when the broker has shared
 * counts (Redis), across every instance.
 */
export class ConnectionCaps {
  readonly #options: ResolvedHubOptions;
  readonly #telemetry: LiveTelemetry;
  readonly #perKey = new Map<string, number>();
  #leases = 0;
  #lastSharedCountLog = -Infinity;

  constructor(options: ResolvedHubOptions, telemetry: LiveTelemetry) {
    this.#options = options;
    this.#telemetry = telemetry;
  }

  /** Takes a slot for `key` on this instance, or says why not (429 per key, 503 global or closing). */
  admit(key: string, closing: boolean): Lease | JsonAnswer {
    const { maxConnections, maxConnectionsPerKey } = this.#options;
    if (closing) return this.refuse({ reason: 'closing' });
    if (this.#leases >= maxConnections) return this.refuse({ reason: 'global_limit', limit: maxConnections });
    const held = this.#perKey.get(key) ?? 0;
    if (held >= maxConnectionsPerKey) return this.refuse({ reason: 'key_limit', limit: maxConnectionsPerKey });
    this.#perKey.set(key, held + 1);
    this.#leases++;
    let released = false;
    return {
      key,
      release: () => {
        if (released) return;
        released = true;
        this.#leases--;
        const count = (this.#perKey.get(key) ?? 1) - 1;
        if (count <= 0) this.#perKey.delete(key);
        else this.#perKey.set(key, count);
      },
    };
  }

  /**
   * Takes the key's slot in the count every instance shares (a no-op
   * without one). When the shared store is down the connection is admitted
   * on this instance's count alone (fail open): live status is what users
   * watch while things are degraded, the per-instance cap still bounds each
   * process, and refusing every stream whenever Redis blips would turn a
   * Redis outage into a live-status outage. Logged at most every 10 s.
   */
  async acrossInstances(lease: Lease): Promise<Lease | JsonAnswer> {
    const counter = this.#options.broker.connections;
    if (!counter) return lease;
    const { key } = lease;
    const limit = this.#options.maxConnectionsPerKey;
    let taken: boolean;
    try {
      taken = await counter.acquire(key, limit);
    } catch (error) {
      this.#sharedCountFailed(error);
      return lease;
    }
    if (!taken) {
      lease.release();
      return this.refuse({ reason: 'key_limit', limit });
    }
    let released = false;
    return {
      key,
      release() {
        if (released) return;
        released = true;
        lease.release();
        counter.release(key);
      },
    };
  }

  /** The answer to a capacity refusal (counted), shaped by the `refusal` option when given. */
  refuse(refusal: LiveRefusal): JsonAnswer {
    this.#telemetry.refused(refusal.reason);
    const headers = { 'retry-after': String(this.#options.retryAfterSeconds) };
    if (this.#options.refusal) {
      const { status, body } = this.#options.refusal(refusal);
      return { status, headers, body: body as JsonAnswer['body'] };
    }
    if (refusal.reason === 'closing') {
      return { status: 503, headers, body: { error: 'closing', message: 'The live hub is shutting down' } };
    }
    const { limit } = refusal;
    const message =
      refusal.reason === 'global_limit'
        ? `This server holds its limit of ${limit} live connections; retry later`
        : `At most ${limit} live connections per client; close one or retry later`;
    const status = refusal.reason === 'global_limit' ? 503 : 429;
    return { status, headers, body: { error: 'too_many_connections', message, limit } };
  }

  /** Keys holding a slot on this instance. */
  get keys(): number {
    return this.#perKey.size;
  }

  #sharedCountFailed(error: unknown): void {
    const now = this.#options.clock.now();
    if (now - this.#lastSharedCountLog < 10_000) return;
    this.#lastSharedCountLog = now;
    this.#options.logger.warn({ err: error }, 'live: shared connection counts unavailable; capping per instance');
  }
}
