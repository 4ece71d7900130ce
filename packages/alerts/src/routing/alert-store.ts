import { options as validate } from '@telltale/core';
import { fingerprint as fingerprintOf } from '../engine/fingerprint.js';
import { isResolved, type RoutedAlert } from './payload.js';
import type { RouterAlertInput } from './router-types.js';

/**
 * The router's alerts by fingerprint (Alertmanager's `provider/mem`). `generation` moves on every
 * change, so caches over the firing alerts (the inhibition index) know when to rebuild.
 */
export interface AlertStore {
  get(fingerprint: string): RoutedAlert | undefined;
  values(): IterableIterator<RoutedAlert>;
  /** Alerts not resolved at `time`: the inhibition sources. */
  firing(time: number): RoutedAlert[];
  /** Validates an input; its fingerprint and a copy of its annotations. */
  read(input: RouterAlertInput): { fingerprint: string; annotations: Record<string, string> };
  /** Applies an update to a held alert; `false` when nothing changed. */
  update(existing: RoutedAlert, input: RouterAlertInput, annotations: Record<string, string>): boolean;
  add(alert: RoutedAlert): void;
  delete(fingerprint: string): void;
  readonly generation: number;
}

/** Creates an empty alert store. */
export function createAlertStore(): AlertStore {
  const alerts = new Map<string, RoutedAlert>();
  let generation = 0;
  return {
    get: (fingerprint) => alerts.get(fingerprint),
    values: () => alerts.values(),
    firing: (time) => [...alerts.values()].filter((alert) => !isResolved(alert, time)),
    read(input) {
      validate.object('alert', input);
      validate.object('alert.labels', input.labels);
      return { fingerprint: fingerprintOf(input.labels), annotations: { ...input.annotations } };
    },
    update(existing, input, annotations) {
      const changed =
        existing.endsAt !== input.endsAt ||
        existing.startsAt !== input.startsAt ||
        JSON.stringify(existing.annotations) !== JSON.stringify(annotations);
      if (!changed) return false;
      existing.annotations = annotations;
      existing.startsAt = input.startsAt;
      existing.endsAt = input.endsAt;
      existing.generatorURL = input.generatorURL ?? existing.generatorURL;
      existing.version++;
      generation++;
      return true;
    },
    add(alert) {
      alerts.set(alert.fingerprint, alert);
      generation++;
    },
    delete(fingerprint) {
      alerts.delete(fingerprint);
      generation++;
    },
    get generation() {
      return generation;
    },
  };
}
