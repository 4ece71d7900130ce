import type { Clock, Logger } from '@telltale/core';
import type { LoadedRules } from '../rules/load-rules.js';
import type { createRegressionTracker } from '../regressions/regression-tracker.js';
import type { AlertRouter } from '../routing/router-types.js';
import type { RuleRunner } from './rule-runner.js';
import {
  captureRules,
  holdRestoredAlerts,
  readStateFile,
  restoreRules,
  STATE_FILE_VERSION,
  writeStateFile,
  type EngineStateFile,
} from './state-file.js';

/** What the engine keeps across restarts, and where. */
export interface PersistenceOptions {
  readonly path: string | undefined;
  readonly rules: LoadedRules;
  readonly runner: Pick<RuleRunner, 'states'>;
  readonly router: AlertRouter;
  /**
   * With the default route (no `route`), only the silences are the router's state; they stay at
   * the file's top level, where the per-rule mode always kept them.
   */
  readonly defaultRoute: boolean;
  readonly regressions: Pick<ReturnType<typeof createRegressionTracker>, 'snapshot' | 'restore'>;
  /** Baselines are written only when there are regression rules. */
  readonly saveRegressions: boolean;
  readonly interval: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The state file of an engine: restored once, saved after changes. */
export interface Persistence {
  /** Reads the file and puts its state back; `true` when something was restored. */
  restore(): boolean;
  /** Writes the file now (no-op without `path`); saves are coalesced and never overlap. */
  save(): Promise<void>;
  /** `save()` whose failure is only logged. */
  saveInBackground(): void;
}

/** Creates the persistence of an engine over its rule states, router and regression tracker. */
export function createPersistence(options: PersistenceOptions): Persistence {
  const { path, runner, router, defaultRoute, regressions, clock, logger } = options;
  const capture = (): EngineStateFile => ({
    version: STATE_FILE_VERSION,
    savedAt: clock.now(),
    rules: captureRules(runner.states),
    ...(defaultRoute ? {} : { router: router.snapshot() }),
    silences: defaultRoute ? router.snapshot().silences : [],
    ...(options.saveRegressions ? { regressions: regressions.snapshot() } : {}),
  });
  let saveChain: Promise<void> = Promise.resolve();
  let queuedSave: Promise<void> | undefined;
  const save = (): Promise<void> => {
    if (!path) return Promise.resolve();
    // At most one save waits behind the running one; it captures the state when it starts.
    queuedSave ??= saveChain.then(async () => {
      queuedSave = undefined;
      await writeStateFile(path, capture());
    });
    const current = queuedSave;
    saveChain = current.catch((error: unknown) =>
      logger.error({ err: error, path }, 'alert engine: cannot write the state file'),
    );
    return current;
  };
  return {
    restore() {
      if (!path) return false;
      const saved = readStateFile(path, logger);
      if (!saved) return false;
      const restored = restoreRules(runner.states, saved.rules);
      holdRestoredAlerts(options.rules, runner, clock.now(), options.interval);
      if (defaultRoute) router.restore({ silences: saved.silences ?? [], notificationLog: {} });
      else if (saved.router) router.restore(saved.router);
      const baselines = Array.isArray(saved.regressions) ? regressions.restore(saved.regressions) : 0;
      logger.info({ path, alerts: restored, regressionSeries: baselines }, 'alert engine: state restored');
      return true;
    },
    save,
    saveInBackground: () => void save().catch(() => undefined),
  };
}
