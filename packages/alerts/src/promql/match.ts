import type { LabelMatcher } from './ast.js';

/** True when `value` satisfies `matcher` (an absent label counts as the empty string). */
export function matches(matcher: LabelMatcher, value: string): boolean {
  switch (matcher.operator) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return matcher.regex!.test(value);
    case '!~':
      return !matcher.regex!.test(value);
  }
}
