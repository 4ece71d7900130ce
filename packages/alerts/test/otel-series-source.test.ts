import { describe, expect, it } from 'vitest';
import { otelSeriesSource } from '@telltale/alerts';
import { runScenario } from './support/run-scenario.js';

describe('otelSeriesSource', () => {
  it('names and labels series exactly as @opentelemetry/exporter-prometheus renders them', () => {
    const facts = runScenario('exporter-naming-scenario.ts');
    expect(facts.text).toContain('http_requests_total{');
    expect(facts.text).toContain('http_server_request_duration_bucket{');
    expect(facts.ours).toEqual(facts.exported);
    // Label objects are reused across collections (all but target_info), so the store keys them once.
    expect(facts.reused).toBe((facts.total as number) - 1);
  }, 60_000);

  it('rejects something that is not a MetricReader', () => {
    expect(() => otelSeriesSource({} as never)).toThrow(/reader/);
  });
});
