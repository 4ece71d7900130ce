import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportPrometheusRules } from '@telltale/alerts';
import { startSmtpSink } from '../../express-app/src/sinks/smtp-sink.js';
import { startBillingUpstream } from '../../express-app/src/upstreams/billing.js';
import { startCloudStt } from '../../express-app/src/upstreams/cloud-stt.js';
import { alertmanagerConfig, prometheusConfig } from './configs.js';
import { freePort, startProcess, waitForHttp, type Managed } from './processes.js';

const appDirectory = fileURLToPath(new URL('../../express-app/', import.meta.url));

export interface FleetOptions {
  instances?: number;
  /** Rule file of the example app to run in Prometheus (`demo-rules.yaml` has short windows). */
  rules?: 'rules.yaml' | 'demo-rules.yaml';
  /** Scrape and evaluation interval. */
  interval?: string;
  /** Alertmanager group_wait. */
  groupWait?: string;
}

/**
 * Starts the multi-instance path with real engines on loopback: N instances of
 * the example app (in-process alerts off), Debian's Prometheus scraping them
 * and evaluating the app's rule file (exported with exportPrometheusRules),
 * and Alertmanager routing to the first instance's webhook, which notifies
 * on-call through @telltale/notify into a local SMTP sink.
 */
export async function startFleet(options: FleetOptions = {}) {
  const count = options.instances ?? 2;
  const interval = options.interval ?? '1s';
  const directory = mkdtempSync(join(tmpdir(), 'telltale-fleet-'));
  const processes: Managed[] = [];
  const smtp = await startSmtpSink();
  const billing = await startBillingUpstream();
  const stt = await startCloudStt();
  const token = `fleet-${Math.random().toString(36).slice(2)}`;

  const stop = async () => {
    await Promise.all(processes.map((managed) => managed.stop()));
    await Promise.all([smtp.close(), billing.close(), stt.close()]);
    rmSync(directory, { recursive: true, force: true });
  };

  try {
    const apps: string[] = [];
    for (let index = 0; index < count; index++) {
      const port = await freePort();
      const app = startProcess(
        `app-${index + 1}`,
        process.execPath,
        ['--conditions=@telltale/source', '--import', 'tsx', join(appDirectory, 'src', 'main.ts')],
        {
          PORT: String(port),
          SERVICE_NAME: 'coaching-api',
          BILLING_URL: billing.url,
          SMTP_HOST: smtp.host,
          SMTP_PORT: String(smtp.port),
          CLOUD_STT_URL: stt.url,
          IN_PROCESS_ALERTS: 'false',
          ALERT_WEBHOOK_TOKEN: token,
          // Each instance its own durable state (one process per directory), removed with the rest.
          DATA_DIR: join(directory, `app-${index + 1}`),
        },
      );
      processes.push(app);
      apps.push(`http://127.0.0.1:${port}`);
      await waitForHttp(`http://127.0.0.1:${port}/health/live`, app, 60_000);
    }

    const rulesFile = join(directory, 'rules.yml');
    const source = readFileSync(join(appDirectory, 'src', options.rules ?? 'demo-rules.yaml'), 'utf8');
    writeFileSync(rulesFile, exportPrometheusRules(source));

    const alertmanagerPort = await freePort();
    writeFileSync(
      join(directory, 'alertmanager.yml'),
      alertmanagerConfig({ webhookUrl: `${apps[0]}/alerts/webhook`, token, groupWait: options.groupWait ?? '1s' }),
    );
    const alertmanager = startProcess('alertmanager', 'prometheus-alertmanager', [
      `--config.file=${join(directory, 'alertmanager.yml')}`,
      `--storage.path=${join(directory, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
      '--cluster.listen-address=',
    ]);
    processes.push(alertmanager);
    const alertmanagerUrl = `http://127.0.0.1:${alertmanagerPort}`;
    await waitForHttp(`${alertmanagerUrl}/-/ready`, alertmanager);

    const prometheusPort = await freePort();
    writeFileSync(
      join(directory, 'prometheus.yml'),
      prometheusConfig({
        targets: apps.map((url) => url.replace('http://', '')),
        rulesFile,
        alertmanager: `127.0.0.1:${alertmanagerPort}`,
        interval,
      }),
    );
    const prometheus = startProcess('prometheus', 'prometheus', [
      `--config.file=${join(directory, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(directory, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
    ]);
    processes.push(prometheus);
    const prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    await waitForHttp(`${prometheusUrl}/-/ready`, prometheus);

    return {
      apps,
      prometheusUrl,
      alertmanagerUrl,
      smtp,
      billing,
      processes,
      /** Runs a PromQL instant query against the fleet's Prometheus. */
      async query(expression: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
        const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expression)}`);
        const body = (await response.json()) as {
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        return body.data.result;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export type Fleet = Awaited<ReturnType<typeof startFleet>>;
