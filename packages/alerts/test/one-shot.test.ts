import { describe, expect, it } from 'vitest';
import { runOneShot } from '../../../test-support/one-shot.js';

// Each script awaits one path in a bare `node` process: if the timer it depends on were
// unref'ed, Node would exit with code 13 and print nothing instead of the outcome.
const prelude = `
import { delay } from '@telltale/core';
import { createAlertEngine } from '@telltale/alerts';
const rules = 'groups:\\n  - name: g\\n    rules:\\n      - alert: Down\\n        expr: up == 0\\n';
const source = { collect: () => [{ labels: { __name__: 'up', job: 'api' }, value: 0 }] };
const print = (value) => console.log(JSON.stringify(value));
`;

async function run(body: string): Promise<unknown> {
  const result = await runOneShot(prelude + body, { package: 'alerts', timeoutMs: 10_000 });
  expect(result).toMatchObject({ code: 0, timedOut: false, stderr: '' });
  return JSON.parse(result.stdout) as unknown;
}

describe('alerts in a one-shot process', () => {
  it('evaluate() resolves after receivers that wait before answering', async () => {
    const body = `
const pages = [];
const oncall = async (group) => { await delay(100); pages.push(group.alerts.map((alert) => alert.labels.alertname)); };
const engine = createAlertEngine({ source, rules, autoStart: false, receivers: { oncall } });
const result = await engine.evaluate();
await engine.close();
print({ sent: result.sent.length, errors: result.errors.length, pages });`;
    expect(await run(body)).toEqual({ sent: 1, errors: 0, pages: [['Down']] });
  });

  it('a routed flush waits out its receiver retry and delivers', async () => {
    const body = `
let calls = 0;
const oncall = () => { if (++calls === 1) throw new Error('receiver down'); };
const engine = createAlertEngine({
  source, rules, autoStart: false, receivers: { oncall },
  route: { receiver: 'oncall', group_wait: '0s', group_interval: '5m' },
  retry: { initialDelay: '200ms' },
});
const events = [];
let failed, delivered;
const firstFailure = new Promise((resolve) => (failed = resolve));
const success = new Promise((resolve) => (delivered = resolve));
engine.onNotification((event) => {
  events.push(event.outcome + ' ' + event.attempt);
  (event.outcome === 'failure' ? failed : delivered)();
});
// Group timers are background (nobody awaits the dispatch loop): hold the process until the
// first attempt has failed, so that only the retry wait is left.
const keeper = setInterval(() => {}, 1000);
await engine.evaluate();
await firstFailure;
clearInterval(keeper);
await success;
await engine.close();
print(events);`;
    expect(await run(body)).toEqual(['failure 1', 'success 2']);
  });
});
