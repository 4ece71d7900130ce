import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { createManualClock, type AlertGroup } from '@telltale/core';
import { expressMetrics } from '@telltale/metrics/express';
import { createAlertEngine, otelSeriesSource } from '@telltale/alerts';

const rules = `
groups:
  - name: api
    rules:
      - alert: HighErrorRate
        expr: >
          sum(rate(http_server_request_duration_count{http_response_status_code=~"5.."}[1m]))
          / sum(rate(http_server_request_duration_count[1m])) > 0.01
        for: 1m
        labels:
          severity: page
        annotations:
          summary: 'error ratio {{ humanizePercentage $value }}'
`;

/** Runs the Express + @telltale/metrics + engine scenario and returns what it observed. */
export async function endToEndScenario(): Promise<Record<string, unknown>> {
  let server: Server | undefined;
  const facts: Record<string, unknown> = {};
  {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    const app = express();
    app.use(expressMetrics({ meterProvider }));
    let failing = false;
    app.get('/pay/:id', (_request, response) => {
      response.status(failing ? 503 : 200).send('ok');
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const hit = async (count: number) => {
      for (let index = 0; index < count; index++) await (await fetch(`${base}/pay/${index}`)).text();
    };

    const clock = createManualClock({ now: Date.UTC(2026, 0, 1) });
    const received: AlertGroup[] = [];
    const engine = createAlertEngine({
      source: otelSeriesSource(exporter),
      rules,
      evaluationInterval: '15s',
      receivers: { test: (group) => void received.push(group) },
      clock,
      autoStart: false,
    });
    const step = async () => {
      clock.advance(15_000);
      return engine.evaluate();
    };
    const stateOf = () => engine.alerts().find((alert) => alert.rule === 'HighErrorRate')?.state ?? 'none';

    for (let index = 0; index < 5; index++) {
      await hit(10);
      await step();
    }
    facts.beforeBurst = stateOf();

    failing = true;
    await hit(10);
    await step();
    await hit(10);
    await step();
    facts.afterBurst = stateOf();
    for (let index = 0; index < 4; index++) {
      await hit(10);
      await step();
    }
    facts.afterFor = stateOf();
    facts.firingGroup = received.find((group) => group.status === 'firing');

    failing = false;
    for (let index = 0; index < 6; index++) {
      await hit(10);
      await step();
    }
    facts.afterRecovery = stateOf();
    facts.lastGroup = received.at(-1);
    await engine.close();
    await meterProvider.shutdown();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return facts;
}
