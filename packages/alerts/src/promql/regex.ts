import { RE2JS } from 're2js';

/**
 * A label regex compiled once at load time with RE2 semantics (Prometheus
 * and Alertmanager use Go's `regexp`): inline flags such as `(?i)` work and
 * matching runs in linear time, so a pattern like `(a+)+$` cannot stall an
 * evaluation or a silence match.
 */
export interface LabelRegex {
  /** The pattern as written (unanchored). */
  readonly source: string;
  /** True when the whole `value` matches (PromQL and Alertmanager regexes are fully anchored). */
  test(value: string): boolean;
}

// Label values repeat from one evaluation to the next, so a small per-regex
// memo skips most RE2 runs; it is cleared when full instead of tracking age.
const MEMO_LIMIT = 1024;
const MEMO_VALUE_LENGTH = 256;

/**
 * Compiles `pattern` anchored as `^(?s:pattern)$`, as Prometheus 3 does (`.`
 * also matches a newline). Throws the RE2 syntax error (with Go's message,
 * e.g. "invalid named capture") for patterns Go would refuse, such as
 * look-behind.
 */
export function compileLabelRegex(pattern: string): LabelRegex {
  const compiled = RE2JS.compile(`^(?s:${pattern})$`);
  const memo = new Map<string, boolean>();
  return {
    source: pattern,
    test(value: string): boolean {
      if (value.length > MEMO_VALUE_LENGTH) return compiled.matches(value);
      const known = memo.get(value);
      if (known !== undefined) return known;
      const result = compiled.matches(value);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(value, result);
      return result;
    },
  };
}

/** The reason RE2 refuses `pattern`, without the library's class name. */
export function regexErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^error parsing regexp: /, '');
}
