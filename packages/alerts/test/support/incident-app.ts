// The service of the incident test: Express + @telltale/metrics + the alert engine with a route,
// durable state and a pager that appends every notification as a JSON line to argv[2]; state in
// argv[3]. Prints `port <n>` when listening. Timings are scaled down (seconds, not minutes).
import { appendFileSync } from 'node:fs';
import express from 'express';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { expressMetrics } from '@telltale/metrics/express';
import { createAlertEngine, otelSeriesSource } from '@telltale/alerts';

const [pagesFile, stateFile] = process.argv.slice(2) as [string, string];

const exporter = new PrometheusExporter({ preventServerStart: true });
const meterProvider = new MeterProvider({ readers: [exporter] });

const rules = `
groups:
  - name: checkout
    labels: { service: checkout }
    rules:
      - alert: HighErrorRate
        expr: >
          sum(rate(http_server_request_duration_count{http_response_status_code=~"5.."}[2s]))
          / sum(rate(http_server_request_duration_count[2s])) > 0.2
        for: 1500ms
        labels: { severity: page }
        annotations: { summary: 'error ratio {{ humanizePercentage $value }}' }
      - alert: HighLatency
        expr: >
          histogram_quantile(0.9, sum by (le) (rate(http_server_request_duration_bucket[2s]))) > 0.2
        for: 1500ms
        labels: { severity: page }
        annotations: { summary: 'p90 {{ $value }}s' }
`;

const engine = createAlertEngine({
  source: otelSeriesSource(exporter),
  rules,
  evaluationInterval: '100ms',
  resendDelay: '200ms',
  retention: '1m',
  receivers: {
    pager: (group) =>
      appendFileSync(
        pagesFile,
        `${JSON.stringify({
          pid: process.pid,
          at: Date.now(),
          groupKey: group.groupKey,
          status: group.status,
          alerts: group.alerts.map((alert) => `${alert.labels.alertname}:${alert.status}`).sort(),
        })}\n`,
      ),
  },
  route: {
    receiver: 'pager',
    group_by: ['service'],
    group_wait: '500ms',
    group_interval: '1s',
    repeat_interval: '5s',
  },
  stateFile,
});

const app = express();
app.use(expressMetrics({ meterProvider }));
app.use(express.json());
// `?status=503&delay=300`: the load generator decides how each request behaves.
app.get('/checkout/:id', (request, response) => {
  const status = Number(request.query.status ?? 200);
  const delay = Number(request.query.delay ?? 0);
  setTimeout(() => response.status(status).send('done'), delay);
});
app.post('/silences', (request, response) => {
  const body = request.body as { matchers: string; seconds: number; author: string; comment: string };
  const id = engine.silence(body.matchers, {
    until: Date.now() + body.seconds * 1000,
    author: body.author,
    comment: body.comment,
  });
  response.status(201).json({ id });
});
app.get('/state', (_request, response) => {
  const state = engine.state();
  response.json({ alerts: state.alerts.map((alert) => `${alert.rule}:${alert.state}`).sort() });
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`port ${typeof address === 'object' && address ? address.port : 0}\n`);
});
