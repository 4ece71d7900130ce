import { describe, expect, it } from 'vitest';
import { createManualClock, TelltaleError, type AlertGroup } from '@telltale/core';
import { createAlertEngine, type CollectedSample } from '@telltale/alerts';

function setup(rules: string, options: { resendDelay?: string } = {}) {
  const clock = createManualClock({ now: 0 });
  let samples: CollectedSample[] = [];
  let failing = false;
  const received: AlertGroup[] = [];
  const engine = createAlertEngine({
    source: {
      collect: () => {
        if (failing) throw new Error('boom');
        return samples;
      },
    },
    rules,
    evaluationInterval: '1m',
    receivers: { test: (group) => void received.push(group) },
    clock,
    ...options,
  });
  return {
    engine,
    clock,
    received,
    set: (value: number | undefined) => {
      samples = value === undefined ? [] : [{ labels: { __name__: 'load', host: 'a' }, value }];
    },
    fail: (value: boolean) => (failing = value),
    twoSeries: () => {
      samples = [
        { labels: { __name__: 'load', host: 'a' }, value: 1 },
        { labels: { __name__: 'load', host: 'b' }, value: 2 },
      ];
    },
    step: async () => {
      await clock.advanceAsync(60_000);
      return engine.alerts()[0]?.state ?? 'none';
    },
  };
}

const rule = (extra = '') => `
groups:
  - name: g
    rules:
      - alert: High
        expr: load > 10
${extra}`;

describe('createAlertEngine', () => {
  it('runs on its own timer: pending, firing after for, resolved, re-sent, forgotten after 15m', async () => {
    const t = setup(rule('        for: 2m'));
    t.set(20);
    expect(await t.step()).toBe('pending');
    expect(await t.step()).toBe('pending');
    expect(await t.step()).toBe('firing');
    expect(t.received.at(-1)!.status).toBe('firing');
    t.set(1);
    expect(await t.step()).toBe('inactive');
    expect(t.received.at(-1)!.status).toBe('resolved');
    const sentBefore = t.received.length;
    for (let index = 0; index < 15; index++) await t.step();
    expect(t.received.length).toBeGreaterThan(sentBefore);
    expect(await t.step()).toBe('none');
    await t.engine.close();
  });

  it('keeps firing for keep_firing_for after the condition clears', async () => {
    const t = setup(rule('        keep_firing_for: 2m'));
    t.set(20);
    expect(await t.step()).toBe('firing');
    t.set(1);
    expect(await t.step()).toBe('firing');
    expect(await t.step()).toBe('firing');
    expect(await t.step()).toBe('inactive');
    await t.engine.close();
  });

  it('honours a resolve threshold (hysteresis)', async () => {
    const t = setup(rule('        telltale: { resolveThreshold: 5 }'));
    t.set(20);
    expect(await t.step()).toBe('firing');
    t.set(8);
    expect(await t.step()).toBe('firing');
    t.set(4);
    expect(await t.step()).toBe('inactive');
    await t.engine.close();
  });

  it('noData: alerting fires when the query returns nothing', async () => {
    const t = setup(rule('        telltale: { noData: alerting }'));
    t.set(undefined);
    expect(await t.step()).toBe('firing');
    expect(t.engine.alerts()[0]!.labels).toEqual({ alertname: 'High' });
    await t.engine.close();
  });

  it('noData: noData raises DatasourceNoData; keepLast keeps the state', async () => {
    const noData = setup(rule('        telltale: { noData: noData }'));
    expect(await noData.step()).toBe('firing');
    expect(noData.engine.alerts()[0]!.labels).toMatchObject({ alertname: 'DatasourceNoData', rulename: 'High' });
    await noData.engine.close();
    const keep = setup(rule('        telltale: { noData: keepLast }'));
    keep.set(20);
    expect(await keep.step()).toBe('firing');
    keep.set(undefined);
    expect(await keep.step()).toBe('firing');
    await keep.engine.close();
  });

  it('error handling: keepLast by default, a DatasourceError alert on request', async () => {
    const broken = (handling: string) => `
groups:
  - name: g
    rules:
      - alert: Broken
        expr: load * on() load > 0
        telltale: { error: ${handling} }
`;
    const keep = setup(broken('keepLast'));
    keep.set(20);
    expect(await keep.step()).toBe('firing');
    keep.twoSeries();
    keep.clock.advance(1000);
    const result = await keep.engine.evaluate();
    expect(result.errors[0]!.error.message).toMatch(/many-to-many|duplicate series/);
    expect(keep.engine.alerts()[0]!.state).toBe('firing');
    await keep.engine.close();

    const recording = setup(`
groups:
  - name: g
    rules:
      - record: broken:sum
        expr: load * on() load
`);
    recording.twoSeries();
    recording.clock.advance(1000);
    expect((await recording.engine.evaluate()).errors).toMatchObject([{ group: 'g', rule: 'broken:sum' }]);
    await recording.engine.close();

    const raise = setup(broken('error'));
    raise.twoSeries();
    expect(await raise.step()).toBe('firing');
    expect(raise.engine.alerts()[0]!.labels).toMatchObject({ alertname: 'DatasourceError', rulename: 'Broken' });
    await raise.engine.close();
  });

  it('applies the group limit and query_offset as Prometheus does', async () => {
    const limited = setup(`
groups:
  - name: g
    limit: 1
    rules:
      - alert: High
        expr: load > 0
`);
    limited.twoSeries();
    await limited.step();
    expect(limited.engine.alerts()).toEqual([]);
    limited.clock.advance(1000);
    expect((await limited.engine.evaluate()).errors[0]!.error.message).toBe('exceeded limit of 1 with 2 alerts');
    await limited.engine.close();

    const offset = setup(`
groups:
  - name: g
    query_offset: 1m
    rules:
      - alert: High
        expr: load > 10
`);
    offset.set(20);
    expect(await offset.step()).toBe('none');
    expect(await offset.step()).toBe('firing');
    await offset.engine.close();
  });

  it('treats a failing source as a failed scrape (series go stale)', async () => {
    const t = setup(rule());
    t.set(20);
    expect(await t.step()).toBe('firing');
    t.fail(true);
    expect(await t.step()).toBe('inactive');
    await t.engine.close();
  });

  it('validates options', () => {
    expect(() => createAlertEngine({ source: {} as never, rules: rule() })).toThrow(/source/);
    expect(() =>
      createAlertEngine({ source: { collect: () => [] }, rules: rule(), evaluationInterval: 'soon' }),
    ).toThrow(/evaluationInterval/);
    try {
      createAlertEngine({
        source: { collect: () => [] },
        rules: 'groups: [{ name: g, rules: [{ alert: X, expr: "limit_ratio(0.5, x)" }] }]',
      });
      expect.unreachable();
    } catch (error) {
      expect(TelltaleError.is(error, 'TELLTALE_RULES_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/group "g", rule "X" \(#1\), field "expr".*limit_ratio/);
    }
  });
});
