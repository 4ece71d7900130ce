import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '@telltale/core';
import { compileTemplate, createAlertEngine, humanize1024, loadRules, type TemplateData } from '@telltale/alerts';
import { missingPeer } from '../../../test-support/peers.js';

const data: TemplateData = {
  labels: { __name__: 'm', job: 'api', instance: 'host.example.com:9090' },
  value: 0.25,
  externalLabels: { env: 'prod' },
  externalURL: 'https://prom.example.com:9090/prefix',
};

const render = (template: string, overrides: Partial<TemplateData> = {}) =>
  compileTemplate(template)({ ...data, ...overrides });

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('compileTemplate: load-time errors', () => {
  it.each([
    ['{{ template "x" }}', 'unsupported template construct "template"'],
    ['{{ define "x" }}a{{ end }}', 'unsupported template construct "define"'],
    ['{{ block "x" . }}a{{ end }}', 'unsupported template construct "block"'],
    ['{{ tmpl "x" . }}', 'function "tmpl" not defined'],
    ['{{ nope 1 }}', 'function "nope" not defined'],
    ['{{ $x }}', 'undefined variable "$x"'],
    ['{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}', 'undefined variable "$y"'],
    ['{{ $z = 1 }}', 'undefined variable "$z"'],
    ['{{ if true }}a', '{{if}} without {{end}}'],
    ['a{{ end }}', 'unexpected {{end}}'],
    ['{{ else }}', 'unexpected {{else}}'],
    ['{{ break }}', '{{break}} outside {{range}}'],
    ['{{ $labels.job', 'unclosed action'],
    ['{{ "a\\q" }}', 'unknown escape'],
    ['{{ }}', 'missing value for command'],
    ['{{ (len "a" }}', 'unclosed left paren'],
    ['{{ $a, $b := 1 }}', 'too many declarations in command'],
    ['{{ humanize | }}', 'missing value for command'],
    ['{{ if 1 }}{{ else with 2 }}{{ end }}', '{{else with}} inside {{if}}'],
    ['{{/* unclosed }}', 'unclosed comment'],
  ])('rejects %s', (template, message) => {
    expect(thrown(() => compileTemplate(template))).toMatchObject({
      code: 'TELLTALE_TEMPLATE',
      message: expect.stringContaining(message) as string,
    });
  });

  it('names the rule, the field and the construct when a rule file uses one', () => {
    const rules = `groups: [{ name: g, rules: [{ alert: HighErrors, expr: up, annotations: { summary: '{{ template "x" . }}' } }] }]`;
    const error = thrown(() => loadRules(rules)) as Error;
    expect(error).toMatchObject({ code: 'TELLTALE_RULES_INVALID' });
    expect(error.message).toMatch(
      /rule "HighErrors".*field "annotations.summary".*unsupported template construct "template"/,
    );
  });
});

describe('compileTemplate: run-time errors render as Prometheus renders them', () => {
  it.each([
    ['{{ if gt $value 1 }}x{{ end }}', 'at <gt $value 1>: error calling gt: incompatible types for comparison'],
    ['before {{ humanize "x" }}', 'error calling humanize: strconv.ParseFloat: parsing "x": invalid syntax'],
    ['{{ humanize }}', 'wrong number of args for humanize: want 1 got 0'],
    ['{{ match "(?<=a)b" "ab" }}', 'error calling match: error parsing regexp: invalid named capture'],
    ['{{ reReplaceAll "(a" "" "a" }}', 'error calling reReplaceAll: error parsing regexp: missing closing )'],
    ['{{ $labels.job.x }}', "can't evaluate field x in type string"],
    ['{{ .Nope }}', "can't evaluate field Nope in type struct"],
    ['{{ range $labels.job }}x{{ end }}', "range can't iterate over api"],
    ['{{ nil }}', 'nil is not a command'],
    ['{{ $value 1 }}', "can't give argument to non-function $value"],
    ['{{ toUpper (safeHtml "b") }}', 'wrong type for value; expected string; got template.HTML'],
    ['{{ humanizeTimestamp 1e10 }}', '1e+10 cannot be represented as a nanoseconds timestamp since it overflows int64'],
    ['{{ parseDuration "1.5h" }}', 'not a valid duration string: "1.5h"'],
    ['{{ eq $labels $labels }}', 'non-comparable types'],
    ['{{ index $labels 1 }}', 'value has type int; should be string'],
    ['{{ query "up" }}', 'query is not available outside a rule evaluation'],
    ['{{ first (query "up") }}', 'first() called on vector with no elements'],
  ])('%s', (template, message) => {
    const output = render(template, { query: () => [] });
    const expectedQueryError = message.startsWith('query is not');
    const text = expectedQueryError ? render(template) : output;
    expect(text).toMatch(/^<error expanding template: executing at <.*>$/s);
    expect(text).toContain(message);
  });

  it('evaluates and/or lazily, so a later operand that would fail is never run', () => {
    expect(render('{{ and $labels.nope (humanize "x") }}|{{ or $labels.job (humanize "x") }}')).toBe('|api');
  });
});

describe('compileTemplate: Prometheus 3 behaviour promtool 2.42 lacks', () => {
  it('ranges over an integer (Go 1.22)', () => {
    expect(render('{{ range $i := 3 }}{{ $i }}{{ end }}|{{ range 0 }}x{{ else }}none{{ end }}')).toBe('012|none');
  });

  it('chains {{else with}} (Go 1.23)', () => {
    expect(render('{{ with $labels.nope }}x{{ else with $labels.job }}{{ . }}{{ end }}')).toBe('api');
  });

  it('has toDuration and now, and humanizes durations', () => {
    expect(
      render(
        '{{ toDuration 3723.5 }}|{{ toDuration 0.25 }}|{{ toDuration 60 }}|{{ toDuration -1.5 }}|{{ toDuration 0 }}',
      ),
    ).toBe('1h2m3.5s|250ms|1m0s|-1.5s|0s');
    expect(
      render('{{ humanizeDuration (toDuration 90) }}|{{ now }}|{{ now | humanizeTimestamp }}', { time: 1.7e12 }),
    ).toBe('1m 30s|1.7e+09|2023-11-14 22:13:20 +0000 UTC');
    expect(render('{{ now }}')).toContain('now is not available outside a rule evaluation');
  });

  it('returns the external URL and its path from externalURL and pathPrefix', () => {
    expect(render('{{ externalURL }}|{{ pathPrefix }}')).toBe('https://prom.example.com:9090/prefix|/prefix');
    expect(render('{{ externalURL }}|{{ pathPrefix }}|', { externalURL: 'http://h:9090' })).toBe('http://h:9090||');
    expect(render('{{ externalURL }}|{{ pathPrefix }}|', { externalURL: '' })).toBe('||');
  });
});

describe('Go number formatting', () => {
  it('rounds exact ties half to even, as Go does (JavaScript rounds them up)', () => {
    expect(render('{{ printf "%.1f %.0f %.0f %.2e" 0.25 2.5 3.5 1.125 }}')).toBe('0.2 2 4 1.12e+00');
    expect(render('{{ humanize 1062.5 }} {{ humanizePercentage 0.010625 }}')).toBe('1.062k 1.062%');
  });

  it('formats humanize1024 with binary prefixes', () => {
    expect(humanize1024(1536)).toBe('1.5ki');
    expect(humanize1024(1)).toBe('1');
    expect(humanize1024(2 ** 80 * 3)).toBe('3Yi');
  });
});

const README_RULE = `
groups:
  - name: queues
    rules:
      - alert: QueueBacklog
        expr: queue_depth > 100
        for: 5m
        labels:
          severity: '{{ if gt $value 1000.0 }}page{{ else }}ticket{{ end }}'
        annotations:
          summary: '{{ $labels.queue | title }} backlog: {{ $value | humanize }} ({{ stripDomain $labels.instance }})'
          description: >-
            {{- with query "sum(queue_depth)" }}{{ . | first | value | humanize }} queued in total.{{ end }}
            {{- range sortByLabel "queue" (query "topk(3, queue_depth)") }} {{ .Labels.queue }}={{ .Value }}{{ end }}
          runbook: '{{ externalURL }}/runbooks/queues{{ if match "^mail" $labels.queue }}#mail{{ end }}'
`;

describe('createAlertEngine externalURL', () => {
  it.each(['prom.example.com', 'ftp://prom.example.com', 42, '/relative'])('rejects %s at construction', (value) => {
    expect(() =>
      createAlertEngine({
        source: { collect: () => [] },
        rules: 'groups: []',
        receivers: {},
        externalURL: value as string,
        autoStart: false,
      }),
    ).toThrow(expect.objectContaining({ code: 'TELLTALE_CONFIG', option: 'externalURL' }) as Error);
  });

  it('keeps credentials in a rejected URL out of the error message', () => {
    const error = thrown(() =>
      createAlertEngine({
        source: { collect: () => [] },
        rules: 'groups: []',
        receivers: {},
        externalURL: 'ftp://admin:hunter2@prom.example.com',
        autoStart: false,
      }),
    ) as Error;
    expect(error).toMatchObject({ code: 'TELLTALE_CONFIG' });
    expect(error.message).not.toContain('hunter2');
  });

  it('renders the README example rule', async () => {
    const engine = createAlertEngine({
      source: {
        collect: () => [
          { labels: { __name__: 'queue_depth', queue: 'mail', instance: 'worker-1.example.com:9100' }, value: 1500 },
          { labels: { __name__: 'queue_depth', queue: 'sms', instance: 'worker-2.example.com:9100' }, value: 20 },
        ],
      },
      rules: README_RULE,
      receivers: {},
      externalURL: 'https://ops.example.com',
      clock: createManualClock({ now: 0 }),
      autoStart: false,
    });
    await engine.evaluate();
    const [alert] = engine.alerts();
    expect(alert!.labels.severity).toBe('page');
    expect(alert!.annotations).toEqual({
      summary: 'Mail backlog: 1.5k (worker-1:9100)',
      description: '1.52k queued in total. mail=1500 sms=20',
      runbook: 'https://ops.example.com/runbooks/queues#mail',
    });
    await engine.close();
  });

  it('feeds externalURL, pathPrefix and query to annotations during evaluation', async () => {
    const engine = createAlertEngine({
      source: {
        collect: () => [
          { labels: { __name__: 'queue_depth', queue: 'mail' }, value: 12 },
          { labels: { __name__: 'queue_depth', queue: 'sms' }, value: 3 },
        ],
      },
      rules: `
groups:
  - name: queues
    rules:
      - alert: QueueBacklog
        expr: queue_depth{queue="mail"} > 10
        annotations:
          summary: '{{ $labels.queue }}: {{ $value }} of {{ query "sum(queue_depth)" | first | value }}'
          link: '{{ externalURL }}/alerts ({{ pathPrefix }})'
          at: '{{ now | humanizeTimestamp }}'
`,
      receivers: {},
      externalURL: 'https://ops.example.com/prom/',
      clock: createManualClock({ now: 1.7e12 }),
      autoStart: false,
    });
    await engine.evaluate();
    expect(engine.alerts()[0]!.annotations).toEqual({
      summary: 'mail: 12 of 15',
      link: 'https://ops.example.com/prom/alerts (/prom)',
      at: '2023-11-14 22:13:20 +0000 UTC',
    });
    await engine.close();
  });
});

describe.skipIf(missingPeer('promtool'))("Debian's promtool", () => {
  it('accepts the README example rule (promtool check rules)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'telltale-readme-rule-')), 'rules.yml');
    writeFileSync(file, README_RULE);
    const run = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });
});
