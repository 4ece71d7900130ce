/** Prometheus configuration scraping every instance and sending alerts to Alertmanager. */
export function prometheusConfig(options: {
  targets: string[];
  rulesFile: string;
  alertmanager: string;
  interval: string;
}): string {
  return `global:
  scrape_interval: ${options.interval}
  evaluation_interval: ${options.interval}
rule_files:
  - ${JSON.stringify(options.rulesFile)}
alerting:
  alertmanagers:
    - static_configs:
        - targets: [${JSON.stringify(options.alertmanager)}]
scrape_configs:
  - job_name: coaching-api
    metrics_path: /metrics
    static_configs:
      - targets: [${options.targets.map((target) => JSON.stringify(target)).join(', ')}]
`;
}

/** Alertmanager configuration routing every alert to the app's webhook receiver. */
export function alertmanagerConfig(options: { webhookUrl: string; token: string; groupWait: string }): string {
  return `route:
  receiver: coaching-api
  group_by: [alertname]
  group_wait: ${options.groupWait}
  group_interval: 5s
  repeat_interval: 4h
receivers:
  - name: coaching-api
    webhook_configs:
      - url: ${JSON.stringify(options.webhookUrl)}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${JSON.stringify(options.token)}
`;
}
