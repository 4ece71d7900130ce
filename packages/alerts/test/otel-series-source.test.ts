import { describe, expect, it } from 'vitest';
import { otelSeriesSource } from '@telltale/alerts';
import { exporterNamingScenario } from './support/exporter-naming-scenario.js';

describe('otelSeriesSource', () => {
  it('names and labels series exactly as @opentelemetry/exporter-prometheus renders them', async () => {
    const facts = await exporterNamingScenario();
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
