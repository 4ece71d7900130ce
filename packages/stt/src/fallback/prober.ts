import { TelltaleError } from '@telltale/core';
import { timeout, type CircuitState } from '@telltale/resilience';
import type { FallbackSettings } from './options.js';
import type { ProviderEntry } from './provider-entry.js';
import { shortMessage } from './short-message.js';

/**
 * Background probes of providers whose breaker is not closed: every
 * `probe.interval`, a short clip; an answer resets the breaker, so a
 * provider comes back without risking real requests on it.
 */
export class ProviderProber {
  constructor(
    private readonly settings: FallbackSettings,
    /** True once the transcriber is closed: nothing new starts. */
    private readonly isClosed: () => boolean,
  ) {}

  /** Probes `entry` after the interval unless a probe is already due or running. */
  schedule(entry: ProviderEntry): void {
    const { probing, probe, clock } = this.settings;
    if (!probing || this.isClosed() || entry.probeTimer !== undefined || entry.probing) return;
    entry.probeTimer = clock.setTimeout(
      () => {
        entry.probeTimer = undefined;
        void this.probe(entry);
      },
      probe.interval,
      { background: true },
    );
  }

  /** Forgets the probe due for `entry`. */
  cancel(entry: ProviderEntry): void {
    if (entry.probeTimer !== undefined) this.settings.clock.clearTimeout(entry.probeTimer);
    entry.probeTimer = undefined;
  }

  /** Probes `entry` now (when its breaker is not closed); resolves when the probe settled. */
  async probe(entry: ProviderEntry): Promise<void> {
    const { probe, clock, logger } = this.settings;
    if (this.isClosed() || entry.probing || entry.breaker.state === 'closed') return;
    const controller = new AbortController();
    entry.probing = controller;
    try {
      await timeout({ duration: probe.timeout, clock, name: 'probe-timeout' }).execute(
        ({ signal }) => entry.provider.transcribe(probe.audio, { signal }),
        { signal: controller.signal },
      );
      if (!this.isClosed()) {
        logger.info({ provider: entry.id }, 'speech-to-text provider answered its probe; closing its breaker');
        entry.lastReason = 'probe-succeeded';
        entry.breaker.reset();
      }
    } catch (error) {
      logger.debug({ provider: entry.id, err: shortMessage(error) }, 'speech-to-text probe failed');
    } finally {
      entry.probing = undefined;
      if ((entry.breaker.state as CircuitState) !== 'closed') this.schedule(entry);
    }
  }

  /** Stops `entry`'s probing: the due probe and the one in flight. */
  stop(entry: ProviderEntry): void {
    this.cancel(entry);
    entry.probing?.abort(new TelltaleError('TELLTALE_CLOSED', 'transcriber closed'));
  }
}
