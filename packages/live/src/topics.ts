import { TelltaleConfigError } from '@telltale/core';

const SEGMENT = /^[\w.~:@%+=!$-]+$/;
const MAX_TOPIC_LENGTH = 256;

/** A topic matched against the mounted patterns. */
export interface TopicMatch {
  readonly pattern: string | undefined;
  readonly params: Readonly<Record<string, string>>;
}

/** Matches topics against `topics` patterns; with none, accepts any valid topic. */
export interface TopicMatcher {
  match(topic: string): TopicMatch | undefined;
}

/**
 * True for a topic the hub serves and brokers store: 1 to 256 characters,
 * non-empty `/`-separated segments of URL-safe characters. Topics end up in
 * Redis keys and logs, so nothing else gets through.
 */
export function isValidTopic(topic: unknown): topic is string {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) return false;
  return topic.split('/').every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..');
}

/** Compiles `['jobs/:jobId']`-style patterns (a `:name` segment matches one segment). */
export function compileTopicPatterns(option: string, patterns: readonly string[] | undefined): TopicMatcher {
  if (patterns === undefined) {
    return { match: (topic) => (isValidTopic(topic) ? { pattern: undefined, params: {} } : undefined) };
  }
  if (!Array.isArray(patterns) || patterns.length === 0) {
    throw new TelltaleConfigError({
      option,
      value: patterns,
      expected: 'a non-empty array of patterns like "jobs/:jobId"',
    });
  }
  const compiled = patterns.map((pattern, index) => {
    const segments = typeof pattern === 'string' ? pattern.replace(/^\/+/, '').split('/') : [];
    const valid = segments.length > 0 && segments.every((segment) => /^:\w+$/.test(segment) || SEGMENT.test(segment));
    if (!valid) {
      throw new TelltaleConfigError({
        option: `${option}[${index}]`,
        value: pattern,
        expected: 'a pattern like "jobs/:jobId"',
      });
    }
    return { pattern: segments.join('/'), segments };
  });
  return {
    match(topic) {
      if (!isValidTopic(topic)) return undefined;
      const parts = topic.split('/');
      for (const { pattern, segments } of compiled) {
        if (segments.length !== parts.length) continue;
        const params: Record<string, string> = {};
        const matches = segments.every((segment, index) => {
          const part = parts[index]!;
          if (!segment.startsWith(':')) return segment === part;
          params[segment.slice(1)] = part;
          return true;
        });
        if (matches) return { pattern, params };
      }
      return undefined;
    },
  };
}
