import { TelltaleError, abortError, type TimerHandle } from '@telltale/core';
import { applyDiarization } from '../diarization.js';
import { errorKind } from '../errors.js';
import type { SttTelemetry } from '../telemetry.js';
import type { AttemptReport, AudioInput, TranscribeOptions, Transcript } from '../types.js';
import type { FallbackSettings } from './options.js';
import type { ProviderEntry } from './provider-entry.js';
import { shortMessage } from './short-message.js';

/** What one request through the chain needs from its transcriber. */
export interface ChainContext {
  readonly settings: FallbackSettings;
  readonly entries: readonly ProviderEntry[];
  readonly telemetry: SttTelemetry;
  /** True when the provider may take real traffic now. */
  readonly available: (entry: ProviderEntry) => boolean;
}

interface Settled {
  entry: ProviderEntry;
  report: AttemptReport;
  startedAt: number;
  controller: AbortController;
  transcript?: Transcript;
  error?: unknown;
}

const HEDGE = Symbol('hedge');

/**
 * One request down the chain: providers in order, skipping those not
 * available, each through its own pipeline; with `hedgeAfter`, the next one
 * starts when the current one is slow and the first acceptable answer wins
 * (the others are aborted). Every attempt is reported on the transcript or,
 * when all fail, on `TELLTALE_STT_ALL_PROVIDERS_FAILED`.
 */
export async function runChain(
  context: ChainContext,
  audio: AudioInput,
  request: TranscribeOptions,
): Promise<Transcript> {
  const { settings, entries, telemetry, available } = context;
  const { clock, hedgeAfter, isAcceptable, logger, id } = settings;
  const callerSignal = request.signal;
  if (callerSignal?.aborted) throw abortError(callerSignal);
  const attempts: AttemptReport[] = [];
  const running = new Set<Promise<Settled>>();
  const controllers = new Map<Promise<Settled>, Settled>();
  let next = 0;
  let lastStart = 0;
  let lastError: unknown;

  const start = (hedged: boolean): boolean => {
    while (next < entries.length) {
      const entry = entries[next++]!;
      if (!available(entry)) {
        attempts.push({ provider: entry.id, outcome: 'skipped', kind: 'breaker-open', latencyMs: 0 });
        telemetry.fallback(entry.id, 'breaker-open');
        continue;
      }
      const controller = new AbortController();
      const onAbort = (): void => controller.abort(callerSignal?.reason);
      callerSignal?.addEventListener('abort', onAbort, { once: true });
      const report: AttemptReport = { provider: entry.id, outcome: 'success', latencyMs: 0 };
      if (hedged) report.hedged = true;
      attempts.push(report);
      const startedAt = clock.now();
      lastStart = startedAt;
      const base: Settled = { entry, report, startedAt, controller };
      const promise: Promise<Settled> = entry.pipeline
        .execute(({ signal }) => entry.provider.transcribe(audio, { ...request, signal }), {
          signal: controller.signal,
        })
        .then(
          (transcript) => ({ ...base, transcript }),
          (error: unknown) => ({ ...base, error }),
        )
        .finally(() => callerSignal?.removeEventListener('abort', onAbort));
      running.add(promise);
      controllers.set(promise, base);
      return true;
    }
    return false;
  };

  const hedgeTimer = (): { promise: Promise<typeof HEDGE>; cancel: () => void } | undefined => {
    if (hedgeAfter === undefined || next >= entries.length || !entries.slice(next).some(available)) return undefined;
    let handle: TimerHandle | undefined;
    const promise = new Promise<typeof HEDGE>((resolve) => {
      handle = clock.setTimeout(() => resolve(HEDGE), Math.max(0, lastStart + hedgeAfter - clock.now()));
    });
    return { promise, cancel: () => handle !== undefined && clock.clearTimeout(handle) };
  };

  start(false);
  while (running.size > 0) {
    const hedge = hedgeTimer();
    const settled = await Promise.race<Settled | typeof HEDGE>([...running, ...(hedge ? [hedge.promise] : [])]);
    hedge?.cancel();
    if (settled === HEDGE) {
      if (start(true))
        telemetry.fallback(attempts.filter((attempt) => !attempt.hedged).at(-1)?.provider ?? id, 'hedge');
      continue;
    }
    for (const [promise, value] of controllers) {
      if (value.report === settled.report) {
        running.delete(promise);
        controllers.delete(promise);
      }
    }
    const { entry, report } = settled;
    report.latencyMs = clock.now() - settled.startedAt;
    if (settled.transcript) {
      if (isAcceptable(settled.transcript)) {
        telemetry.attempt(entry.id, 'success', report.latencyMs / 1000);
        telemetry.audio(entry.id, settled.transcript.durationSeconds ?? 0);
        for (const other of controllers.values()) {
          other.report.outcome = 'cancelled';
          other.report.latencyMs = clock.now() - other.startedAt;
          other.controller.abort(new TelltaleError('TELLTALE_ABORTED', 'another provider answered first'));
          telemetry.attempt(other.entry.id, 'cancelled', other.report.latencyMs / 1000);
        }
        let transcript: Transcript = { ...settled.transcript, attempts };
        if (request.speakerTurns && request.speakerTurns.length > 0) {
          transcript = applyDiarization(transcript, request.speakerTurns, { fillNearest: true });
        }
        return transcript;
      }
      report.outcome = 'rejected';
      telemetry.attempt(entry.id, 'rejected', report.latencyMs / 1000);
      telemetry.fallback(entry.id, 'rejected');
    } else {
      const error = settled.error;
      if (callerSignal?.aborted) {
        report.outcome = 'cancelled';
        throw abortError(callerSignal);
      }
      lastError = error;
      const kind = errorKind(error);
      report.error = shortMessage(error);
      if (TelltaleError.is(error, 'TELLTALE_TIMEOUT')) report.outcome = 'timeout';
      else if (TelltaleError.is(error, 'TELLTALE_CIRCUIT_OPEN')) report.outcome = 'skipped';
      else report.outcome = 'failure';
      if (report.outcome === 'failure' && kind) report.kind = kind;
      if (report.outcome === 'skipped') report.kind = 'breaker-open';
      const reason =
        report.outcome === 'failure' ? (kind ?? 'failure') : report.outcome === 'skipped' ? 'breaker-open' : 'timeout';
      telemetry.attempt(entry.id, reason, report.latencyMs / 1000);
      telemetry.fallback(entry.id, reason);
      logger.warn(
        { provider: entry.id, outcome: report.outcome, kind },
        'speech-to-text provider failed; falling back',
      );
      // Auth and quota failures will not heal by retrying: take the provider out now.
      if (
        (kind === 'permanent' || kind === 'quota-exhausted') &&
        settings.probing &&
        entry.breaker.state === 'closed'
      ) {
        entry.lastReason = `${kind}-error`;
        entry.breaker.isolate();
      }
    }
    if (running.size === 0) start(false);
  }
  throw new TelltaleError(
    'TELLTALE_STT_ALL_PROVIDERS_FAILED',
    `No speech-to-text provider produced a transcript (${attempts.map((attempt) => `${attempt.provider}: ${attempt.kind ?? attempt.outcome}`).join(', ')})`,
    { cause: lastError, details: { attempts } },
  );
}
