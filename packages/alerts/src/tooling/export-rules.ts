import { stringify } from 'yaml';
import { loadRules, type LoadedRules, type RuleFileInput } from '../rules/load-rules.js';

/**
 * Writes a rule file as YAML that `promtool check rules` (and Prometheus)
 * accept: the rules are validated first, Telltale-only settings
 * (`telltale:` blocks) are dropped.
 *
 * @example
 * ```ts
 * import { exportPrometheusRules } from '@telltale/alerts';
 * await writeFile('prometheus/alerts.yml', exportPrometheusRules(rules));
 * ```
 */
export function exportPrometheusRules(rules: RuleFileInput | LoadedRules): string {
  const loaded = loadRules(rules);
  const groups = loaded.groups.map((group) => {
    const { rules: _rules, ...rest } = group.input;
    return {
      ...rest,
      rules: group.rules.map((rule) => {
        const { telltale: _telltale, ...prometheus } = rule.input;
        return { ...prometheus, expr: String(prometheus.expr) };
      }),
    };
  });
  return stringify({ groups }, { lineWidth: 0 });
}
