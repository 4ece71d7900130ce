import type { Labels } from '../store/labels.js';
import { isList, matchersMatch, parseMatchers, type Matcher, type MatcherInput } from './matchers.js';
import { TelltaleConfigError } from '@telltale/core';

/** An inhibition rule, as in Alertmanager's `inhibit_rules`. */
export interface InhibitRuleInput {
  /** Matchers a firing alert must match to inhibit others. */
  source_matchers: string | readonly MatcherInput[];
  /** Matchers an alert must match to be inhibited. */
  target_matchers: string | readonly MatcherInput[];
  /** Labels whose values must be equal in source and target (missing = empty). */
  equal?: readonly string[];
}

/** A validated inhibition rule. */
export interface InhibitRule {
  readonly source: readonly Matcher[];
  readonly target: readonly Matcher[];
  readonly equal: readonly string[];
}

/** Validates inhibition rules. */
export function buildInhibitRules(input: readonly InhibitRuleInput[] | undefined): InhibitRule[] {
  if (input === undefined) return [];
  if (!Array.isArray(input))
    throw new TelltaleConfigError({ option: 'inhibitRules', value: input, expected: 'an array of inhibition rules' });
  const rules: readonly InhibitRuleInput[] = input;
  return rules.map((rule, index) => {
    const option = `inhibitRules[${index}]`;
    try {
      if (rule.equal !== undefined && !isList(rule.equal)) throw new Error('equal must be an array');
      return {
        source: parseMatchers(rule.source_matchers ?? []),
        target: parseMatchers(rule.target_matchers ?? []),
        equal: [...(rule.equal ?? [])],
      };
    } catch (error) {
      throw new TelltaleConfigError({
        option,
        value: rule,
        expected: `source_matchers, target_matchers and equal (${(error as Error).message})`,
      });
    }
  });
}

/**
 * Alertmanager's inhibitor: `labels` is muted when a rule's target matches it
 * and a firing source alert (other than one also matching the target) has
 * the same values for `equal`.
 */
export function isInhibited(
  rules: readonly InhibitRule[],
  labels: Labels,
  firing: Iterable<{ readonly labels: Labels; readonly fingerprint: string }>,
  fingerprint: string,
): boolean {
  for (const rule of rules) {
    if (!matchersMatch(rule.target, labels)) continue;
    // An alert matching both sides may only be inhibited by sources that do not match the target.
    const excludeTwoSided = matchersMatch(rule.source, labels);
    for (const source of firing) {
      if (source.fingerprint === fingerprint || !matchersMatch(rule.source, source.labels)) continue;
      if (excludeTwoSided && matchersMatch(rule.target, source.labels)) continue;
      if (rule.equal.every((name) => (source.labels[name] ?? '') === (labels[name] ?? ''))) return true;
    }
  }
  return false;
}

/**
 * Indexes the firing source alerts of every rule by their `equal` label values (as Alertmanager's
 * per-rule source cache does), so checking a target is a map lookup instead of a scan.
 */
export function createInhibitionIndex(
  rules: readonly InhibitRule[],
  firing: Iterable<{ readonly labels: Labels; readonly fingerprint: string }>,
): (labels: Labels, fingerprint: string) => boolean {
  const equalKey = (rule: InhibitRule, labels: Labels): string =>
    JSON.stringify(rule.equal.map((name) => labels[name] ?? ''));
  const sources = rules.map(() => new Map<string, { fingerprint: string; matchesTarget: boolean }[]>());
  for (const alert of firing) {
    rules.forEach((rule, index) => {
      if (!matchersMatch(rule.source, alert.labels)) return;
      const key = equalKey(rule, alert.labels);
      const bucket = sources[index]!.get(key) ?? [];
      bucket.push({ fingerprint: alert.fingerprint, matchesTarget: matchersMatch(rule.target, alert.labels) });
      sources[index]!.set(key, bucket);
    });
  }
  return (labels, fingerprint) =>
    rules.some((rule, index) => {
      if (!matchersMatch(rule.target, labels)) return false;
      const candidates = sources[index]!.get(equalKey(rule, labels));
      if (!candidates) return false;
      const excludeTwoSided = matchersMatch(rule.source, labels);
      return candidates.some(
        (source) => source.fingerprint !== fingerprint && !(excludeTwoSided && source.matchesTarget),
      );
    });
}
