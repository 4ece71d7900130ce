import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRules } from '@telltale/alerts';
import { missingPeer } from '../../../test-support/peers.js';

// Each case is an alert whose annotation uses one function or control
// structure, with the text Prometheus renders. The same promtool test file
// (exp_annotations = that text) must pass under testRules (our engine, the
// whole rule path including `query`) and under Debian's promtool 2.42, so
// both engines render exactly the same annotation. Neither orders `query`
// results (promtool's order varies run to run), so cases sort with sortByLabel.

interface Case {
  readonly name: string;
  readonly template: string;
  readonly expected: string;
  /** Default `m{job="api"}` (one alert, value 0.25). */
  readonly expr?: string;
}

const cases: readonly Case[] = [
  {
    name: 'humanize',
    template: '{{ humanize 1234567 }}|{{ $value | humanize }}|{{ humanize "0.0012" }}|{{ humanize 0 }}',
    expected: '1.235M|250m|1.2m|0',
  },
  {
    name: 'humanize1024',
    template: '{{ humanize1024 2048 }}|{{ humanize1024 1572864 }}|{{ humanize1024 0.5 }}|{{ humanize1024 -2048 }}',
    expected: '2ki|1.5Mi|0.5|-2ki',
  },
  {
    name: 'humanizeDuration',
    template:
      '{{ humanizeDuration 93784 }}|{{ humanizeDuration 0.25 }}|{{ humanizeDuration 59.5 }}|{{ humanizeDuration -3700 }}',
    expected: '1d 2h 3m 4s|250ms|59.5s|-1h 1m 40s',
  },
  {
    name: 'humanizePercentage',
    template: '{{ humanizePercentage $value }}|{{ humanizePercentage 0.123456 }}|{{ humanizePercentage 0.010625 }}',
    expected: '25%|12.35%|1.062%',
  },
  {
    name: 'humanizeTimestamp',
    template: '{{ humanizeTimestamp 1.2345 }}|{{ humanizeTimestamp 1700000000 }}|{{ humanizeTimestamp -1.5 }}',
    expected: '1970-01-01 00:00:01.234 +0000 UTC|2023-11-14 22:13:20 +0000 UTC|1969-12-31 23:59:58.5 +0000 UTC',
  },
  {
    name: 'toTime',
    template: '{{ toTime 1.5 }}|{{ toTime "1700000000" }}',
    expected: '1970-01-01 00:00:01.5 +0000 UTC|2023-11-14 22:13:20 +0000 UTC',
  },
  {
    name: 'title',
    template: `{{ title "hello wORLD foo_bar o'neil x-y" }}`,
    expected: "Hello WORLD Foo_bar O'Neil X-Y",
  },
  { name: 'toUpper', template: '{{ toUpper "straße api" }}|{{ $labels.job | toUpper }}', expected: 'STRAßE API|API' },
  { name: 'toLower', template: '{{ toLower "ÀPI Server" }}', expected: 'àpi server' },
  {
    name: 'match',
    template:
      '{{ match "^a.c$" "abc" }}|{{ match "(?i)API" $labels.job }}|{{ if match "^host" $labels.instance }}yes{{ end }}',
    expected: 'true|true|yes',
  },
  {
    name: 'reReplaceAll',
    template:
      '{{ reReplaceAll "a*" "x" "baaac" }}|{{ reReplaceAll "(?P<h>[a-z]+)\\\\.(\\\\w+)" "${2}_$h $1x $$" "host.example" }}|{{ reReplaceAll ":.*" "" $labels.instance }}',
    expected: 'xbxcx|example_host  $|host.example.com',
  },
  {
    name: 'stripPort',
    template:
      '{{ stripPort $labels.instance }}|{{ stripPort "[::1]:80" }}|{{ stripPort "a:b:c" }}|{{ stripPort "host" }}',
    expected: 'host.example.com|::1|a:b:c|host',
  },
  {
    name: 'stripDomain',
    template:
      '{{ stripDomain $labels.instance }}|{{ stripDomain "[::1]:80" }}|{{ stripDomain "10.0.0.1:80" }}|{{ stripDomain "host.x" }}',
    expected: 'host:9090|[::1]:80|10.0.0.1:80|host',
  },
  {
    name: 'parseDuration',
    template:
      '{{ parseDuration "1h30m" }}|{{ parseDuration "1d" }}|{{ parseDuration "250ms" }}|{{ parseDuration "0" }}',
    expected: '5400|86400|0.25|0',
  },
  {
    name: 'query',
    template: `{{ query "m" | len }}|{{ with query "m{job='web'}" }}{{ . | first | value | humanize1024 }}{{ end }}`,
    expected: '2|2ki',
  },
  {
    name: 'first',
    template: `{{ (query "m{job='api'}" | first).Value }}|{{ first (query "m{job='api'}") }}`,
    expected: '0.25|{map[__name__:m instance:host.example.com:9090 job:api] 0.25}',
  },
  {
    name: 'label',
    template: `{{ query "m{job='web'}" | first | label "instance" }}|{{ label "nope" (query "m" | first) }}|`,
    expected: 'b.example.com:80||',
  },
  {
    name: 'value',
    template: `{{ query "sum(m)" | first | value }}|{{ query "scalar(m{job='web'})" | first | value }}`,
    expected: '2048.25|2048',
  },
  { name: 'strvalue', template: '{{ query "m" | first | strvalue }}|', expected: '|' },
  {
    name: 'sortByLabel',
    template: '{{ range sortByLabel "job" (query "m") }}{{ .Labels.job }} {{ end }}',
    expected: 'api web ',
  },
  {
    name: 'safeHtml',
    template: '{{ safeHtml "<b>bold</b>" }}|{{ printf "%s" (safeHtml "x") }}',
    expected: '<b>bold</b>|x',
  },
  { name: 'args', template: '{{ args 1 "a" }}|{{ (args 1).arg5 }}', expected: 'map[arg0:1 arg1:a]|<no value>' },
  {
    name: 'graphLink',
    template: '{{ graphLink "up == 0" }}|{{ tableLink "up" }}',
    expected: '/graph?g0.expr=up+%3D%3D+0&g0.tab=0|/graph?g0.expr=up&g0.tab=1',
  },
  {
    name: 'printf',
    template:
      '{{ printf "%.1f|%5.2f|%-4s|%d|%q|%v|%e|%g|%05.1f|%x" 0.25 3.14159 "a" 42 "q" $value 1234.5678 1e6 2.5 255 }}',
    expected: '0.2| 3.14|a   |42|"q"|0.25|1.234568e+03|1e+06|002.5|ff',
  },
  {
    name: 'printf-mismatch',
    template: '{{ printf "%d|%s|%d" "x" 1.5 }}|{{ printf "" 1 }}',
    expected: '%!d(string=x)|%!s(float64=1.5)|%!d(MISSING)|%!(EXTRA int=1)',
  },
  { name: 'print', template: '{{ print 1 2 "a" "b" 3 }}|{{ println 1 "a" }}', expected: '1 2ab3|1 a\n' },
  {
    name: 'html-js-urlquery',
    template: `{{ html "<a href=\\"x\\">&'" }}|{{ urlquery "a b&c/é" }}|{{ js "a'b\\"<>" }}`,
    expected: `&lt;a href=&#34;x&#34;&gt;&amp;&#39;|a+b%26c%2F%C3%A9|a\\'b\\"\\u003C\\u003E`,
  },
  {
    name: 'len-index',
    template: '{{ len "héllo" }}|{{ len $labels }}|{{ index $labels "job" }}|{{ index $labels "nope" }}|',
    expected: '6|3|api||',
  },
  {
    name: 'data',
    template:
      '{{ .Labels.job }} {{ .Value }} {{ $.Labels.instance }} {{ $externalLabels.env }} {{ .ExternalLabels.env }} {{ $externalURL }} {{ $labels.missing }}|',
    expected: 'api 0.25 host.example.com:9090 prod prod https://prom.example.com:9090/prefix |',
  },
  {
    name: 'literals',
    template: `{{ 1e3 }}|{{ 0x10 }}|{{ 1.5 }}|{{ 1e21 }}|{{ 'a' }}|{{ 010 }}|{{ true }}|{{ "a\\tb" }}|{{ \`raw\\n\` }}`,
    expected: '1000|16|1.5|1e+21|97|8|true|a\tb|raw\\n',
  },
  {
    name: 'number-formatting',
    template:
      '{{ printf "%.2f %.3g %.1e %.0f %.0f %.4g %.4g %.2f %.1f %g %v" 2.675 0.0001235 1.25 0.5 1.5 100000.0 99995.0 1e22 -0.05 0.000012345 123456789.0 }}|{{ humanize 999950 }}|{{ humanize 0.0000125 }}|{{ humanizeDuration 1.0005 }}',
    expected:
      '2.67 0.000123 1.2e+00 0 2 1e+05 1e+05 10000000000000000000000.00 -0.1 1.2345e-05 1.23456789e+08|1000k|12.5u|1s',
  },
  {
    name: 'if-else',
    template:
      '{{ if gt $value 0.5 }}high{{ else if gt $value 0.1 }}mid{{ else }}low{{ end }}|{{ if $labels.nope }}x{{ else }}no{{ end }}',
    expected: 'mid|no',
  },
  {
    name: 'range-index',
    template: '{{ range $i, $e := sortByLabel "job" (query "m") }}{{ $i }}={{ $e.Labels.job }};{{ end }}',
    expected: '0=api;1=web;',
  },
  {
    name: 'range-map',
    template: '{{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ end }}|{{ range $labels }}{{ . }};{{ end }}',
    expected: '__name__=m,instance=host.example.com:9090,job=api,|m;host.example.com:9090;api;',
  },
  {
    name: 'range-else',
    template:
      '{{ range query "nope" }}x{{ else }}empty{{ end }}|{{ range $v := query "m" | sortByLabel "job" }}{{ $v.Value }} {{ end }}',
    expected: 'empty|0.25 2048 ',
  },
  {
    name: 'range-break-continue',
    template:
      '{{ range $i, $e := sortByLabel "job" (query "m") }}{{ if eq $i 0 }}{{ continue }}{{ end }}{{ $e.Labels.job }}{{ break }}{{ end }}',
    expected: 'web',
  },
  {
    name: 'with',
    template:
      '{{ with $labels.job }}{{ . }}{{ end }}|{{ with $labels.nope }}x{{ else }}none{{ end }}|{{ with $j := $labels.job }}{{ $j }}{{ end }}',
    expected: 'api|none|api',
  },
  {
    name: 'and-or-not',
    template:
      '{{ and 1 0 }}|{{ or 0 "" "x" }}|{{ not 0 }}|{{ and 1 "a" }}|{{ or 0 "" }}|{{ if and (gt $value 0.1) (lt $value 0.5) }}in{{ end }}|{{ or $labels.job (humanize "x") }}',
    expected: '0|x|true|a||in|api',
  },
  {
    name: 'comparisons',
    template:
      '{{ eq "a" "b" "a" }}|{{ ne 1 2 }}|{{ le 1.5 1.5 }}|{{ lt "a" "b" }}|{{ ge 2 3 }}|{{ eq $labels.job "api" }}|{{ gt $value 0.2 }}',
    expected: 'true|true|true|true|false|true|true',
  },
  {
    name: 'variables',
    template:
      '{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }}|{{ $n := 0 }}{{ range sortByLabel "job" (query "m") }}{{ $n = . }}{{ end }}{{ $n.Labels.job }}',
    expected: '2|web',
  },
  {
    name: 'trim-comment',
    template: '{{- "a" -}}   {{/* comment */}}  {{- "b" }} {{ "c" }}|{{ "d" -}}\n  e',
    expected: 'ab c|de',
  },
];

const series = [
  { series: 'm{instance="host.example.com:9090",job="api"}', values: '0.25+0x10' },
  { series: 'm{instance="b.example.com:80",job="web"}', values: '2048+0x10' },
];

function alertName(name: string): string {
  return `T_${name.replaceAll('-', '_')}`;
}

/** Writes the rule file and the promtool test file for `selected` cases; returns the test file's path. */
function writeSuite(selected: readonly Case[]): string {
  const directory = mkdtempSync(join(tmpdir(), 'telltale-templates-'));
  const rules = selected.map((item) => ({
    alert: alertName(item.name),
    expr: item.expr ?? 'm{job="api"}',
    annotations: { a: item.template },
  }));
  // JSON is YAML: no quoting surprises in templates full of quotes and braces.
  writeFileSync(join(directory, 'rules.yml'), JSON.stringify({ groups: [{ name: 'templates', rules }] }, null, 1));
  const tests = selected.map((item) => ({
    name: item.name,
    interval: '1m',
    external_labels: { env: 'prod' },
    external_url: 'https://prom.example.com:9090/prefix',
    input_series: series,
    alert_rule_test: [
      {
        eval_time: '5m',
        alertname: alertName(item.name),
        exp_alerts: [
          {
            exp_labels: { instance: 'host.example.com:9090', job: 'api' },
            exp_annotations: { a: item.expected },
          },
        ],
      },
    ],
  }));
  const file = join(directory, 'templates.test.yml');
  writeFileSync(file, JSON.stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }, null, 1));
  return file;
}

describe('template functions and control structures', () => {
  it.each(cases)('testRules renders $name as Prometheus does', async (item) => {
    const result = await testRules(writeSuite([item]));
    expect(result.passed, result.output).toBe(true);
  });

  it('fails a case whose expected text is wrong (the check can fail)', async () => {
    const result = await testRules(writeSuite([{ name: 'wrong', template: '{{ humanize 1234 }}', expected: '1234' }]));
    expect(result.passed).toBe(false);
    expect(result.output).toContain('a="1.234k"');
  });
});

const missing = missingPeer('promtool');
describe.skipIf(missing)("Debian's promtool renders the same annotations", () => {
  it('passes the same test file for every case', () => {
    const run = spawnSync('promtool', ['test', 'rules', writeSuite(cases)], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });

  it('fails the same deliberately wrong case', () => {
    const file = writeSuite([{ name: 'wrong', template: '{{ humanize 1234 }}', expected: '1234' }]);
    const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toContain('a="1.234k"');
  });
});
