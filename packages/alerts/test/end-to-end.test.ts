import { describe, expect, it } from 'vitest';
import type { AlertGroup } from '@telltale/core';
import { endToEndScenario } from './support/end-to-end-scenario.js';

describe('end to end: Express + @telltale/metrics + engine on a fake clock', () => {
  it('goes pending, fires and resolves on a 5xx burst', async () => {
    const facts = await endToEndScenario();
    expect(facts.beforeBurst).toBe('none');
    expect(facts.afterBurst).toBe('pending');
    expect(facts.afterFor).toBe('firing');
    const firing = facts.firingGroup as AlertGroup;
    expect(firing.alerts[0]!.labels).toMatchObject({ alertname: 'HighErrorRate', severity: 'page' });
    expect(firing.alerts[0]!.annotations.summary).toMatch(/^error ratio \d+(\.\d+)?%$/);
    expect(facts.afterRecovery).toBe('inactive');
    const last = facts.lastGroup as AlertGroup;
    expect(last.status).toBe('resolved');
    expect(last.alerts[0]!.endsAt).not.toBe('0001-01-01T00:00:00Z');
  }, 60_000);
});
