import type { Labels } from '../store/labels.js';
import { fingerprint as fingerprintOf } from '../engine/fingerprint.js';
import { createInhibitionIndex, type InhibitRule } from './inhibitor.js';
import type { Silences } from './silences.js';
import type { AlertStore } from './alert-store.js';

/** Why an alert is not notified: Alertmanager's MuteStage with the silencer and the inhibitor. */
export type MuteReason = 'silence' | 'inhibition';

/** The mute stage over the silences and the store's firing alerts. */
export function createMuteStage(options: {
  readonly silences: Silences;
  readonly inhibitRules: readonly InhibitRule[];
  readonly store: AlertStore;
  readonly now: () => number;
}): (labels: Labels, fingerprint?: string) => MuteReason | undefined {
  const { silences, inhibitRules, store, now } = options;
  // The index is rebuilt only when an alert changed or time moved (a flush of many groups at
  // one tick shares it).
  let index: { key: string; inhibited: (labels: Labels, fingerprint: string) => boolean } | undefined;
  const inhibited = (labels: Labels, fingerprint: string): boolean => {
    const time = now();
    const key = `${store.generation}:${time}`;
    if (index?.key !== key) index = { key, inhibited: createInhibitionIndex(inhibitRules, store.firing(time)) };
    return index.inhibited(labels, fingerprint);
  };
  return (labels, fingerprint = fingerprintOf(labels)) => {
    if (silences.matching(labels).length > 0) return 'silence';
    if (inhibitRules.length > 0 && inhibited(labels, fingerprint)) return 'inhibition';
    return undefined;
  };
}
