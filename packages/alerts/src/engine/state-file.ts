import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Logger } from '@telltale/core';
import type { ActiveAlert, AlertingRuleState, AlertState } from './alert-state.js';
import type { RouterSnapshot } from '../routing/router-types.js';
import type { SilenceRecord } from '../routing/silences.js';
import { labelsKey, type Labels } from '../store/labels.js';
import type { LoadedRules } from '../rules/load-rules.js';
import { longestLookback } from '../promql/longest-lookback.js';
import type { RuleRunner } from './rule-runner.js';
import type { SavedRegressionSeries } from '../regressions/regression-tracker.js';

/** Bumped when the file layout changes; other versions are ignored (and logged). */
export const STATE_FILE_VERSION = 1;

interface SavedAlert {
  labels: Labels;
  annotations: Record<string, string>;
  state: AlertState;
  /** As text, since NaN (noData alerts) does not survive JSON. */
  value: string;
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  lastSentAt?: number;
  keepFiringSince?: number;
}

/** The engine's state file. */
export interface EngineStateFile {
  version: number;
  savedAt: number;
  /** Alert states by `<group>\\u0000<rule>\\u0000<index among the group's alerting rules>`. */
  rules: Record<string, SavedAlert[]>;
  router?: RouterSnapshot;
  /** Silences of the default route (no `route`); with a route they are in `router`. */
  silences?: SilenceRecord[];
  /** Regression baselines and recent windows. */
  regressions?: SavedRegressionSeries[];
}

const ruleKey = (group: string, rule: string, index: number): string => `${group}\u0000${rule}\u0000${index}`;

/** Captures the alert state of every alerting rule. */
export function captureRules(states: ReadonlyMap<string, AlertingRuleState[]>): EngineStateFile['rules'] {
  const rules: EngineStateFile['rules'] = {};
  for (const [group, groupStates] of states) {
    groupStates.forEach((state, index) => {
      if (state.active.size === 0) return;
      rules[ruleKey(group, state.rule.name, index)] = [...state.active.values()].map((alert) => ({
        labels: alert.labels,
        annotations: alert.annotations,
        state: alert.state,
        value: String(alert.value),
        activeAt: alert.activeAt,
        ...(alert.firedAt === undefined ? {} : { firedAt: alert.firedAt }),
        ...(alert.resolvedAt === undefined ? {} : { resolvedAt: alert.resolvedAt }),
        ...(alert.lastSentAt === undefined ? {} : { lastSentAt: alert.lastSentAt }),
        ...(alert.keepFiringSince === undefined ? {} : { keepFiringSince: alert.keepFiringSince }),
      }));
    });
  }
  return rules;
}

/** Puts saved alerts back into the rules that still exist (same group, name and position). */
export function restoreRules(
  states: ReadonlyMap<string, AlertingRuleState[]>,
  saved: EngineStateFile['rules'],
): number {
  let restored = 0;
  for (const [group, groupStates] of states) {
    groupStates.forEach((state, index) => {
      for (const alert of saved[ruleKey(group, state.rule.name, index)] ?? []) {
        const active: ActiveAlert = {
          key: labelsKey(alert.labels),
          labels: alert.labels,
          annotations: alert.annotations,
          state: alert.state,
          value: Number(alert.value),
          activeAt: alert.activeAt,
          firedAt: alert.firedAt,
          resolvedAt: alert.resolvedAt,
          lastSentAt: alert.lastSentAt,
          keepFiringSince: alert.keepFiringSince,
        };
        state.active.set(active.key, active);
        restored++;
      }
    });
  }
  return restored;
}

/** Reads the state file; `undefined` when missing, unreadable or of another version (logged). */
export function readStateFile(path: string, logger: Logger): EngineStateFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      logger.warn({ err: error, path }, 'alert engine: cannot read the state file; starting empty');
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as EngineStateFile;
    if (parsed?.version !== STATE_FILE_VERSION || typeof parsed.rules !== 'object') {
      logger.warn({ path, version: parsed?.version }, 'alert engine: state file of another version ignored');
      return undefined;
    }
    return parsed;
  } catch (error) {
    logger.warn({ err: error, path }, 'alert engine: corrupt state file ignored; starting empty');
    return undefined;
  }
}

/** Writes atomically: a temporary file in the same directory, then `rename` over the target. */
export async function writeStateFile(path: string, state: EngineStateFile): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(state), 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Restored alerts are held (neither resolved nor dropped) until each rule's
 * ranges have filled with fresh samples: the series store starts empty, so
 * `rate(x[5m])` returns nothing for a while after a restart, and resolving on
 * that would send a false resolution and then a second page.
 */
export function holdRestoredAlerts(
  rules: LoadedRules,
  runner: Pick<RuleRunner, 'states'>,
  now: number,
  defaultInterval: number,
): void {
  for (const group of rules.groups) {
    const states = runner.states.get(group.name) ?? [];
    for (const state of states) {
      if (state.active.size === 0) continue;
      const ranges = longestLookback(state.rule.expression.root, 0) + group.queryOffset;
      state.warmUntil = now + ranges + (group.interval ?? defaultInterval);
    }
  }
}
