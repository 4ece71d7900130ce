// `pnpm start`: runs the coaching API configured from the environment.
// Used by the fleet set-up (two instances behind Prometheus + Alertmanager).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasLocalStt } from './audio.js';
import { readRules } from './observability.js';
import { startExpressApp } from './start.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`Set ${name} (see examples/express-app/README.md)`);
  return value;
};

const serviceName = env('SERVICE_NAME', 'coaching-api');
const port = Number(env('PORT', '3000'));
const app = await startExpressApp(
  {
    serviceName,
    billingUrl: env('BILLING_URL'),
    smtp: { host: env('SMTP_HOST', '127.0.0.1'), port: Number(env('SMTP_PORT', '25')) },
    oncallEmail: env('ONCALL_EMAIL', 'oncall@coachly.test'),
    cloudSttUrl: env('CLOUD_STT_URL'),
    cloudSttApiKey: env('CLOUD_STT_API_KEY', 'unset'),
    localStt: hasLocalStt(),
    // Per port by default, so two instances on one host never share the outbox (one process per directory).
    dataDirectory: env('DATA_DIR', join(tmpdir(), `telltale-${serviceName}-${port}`)),
    rules: readRules(env('RULES', 'rules.yaml') === 'demo-rules.yaml' ? 'demo-rules.yaml' : 'rules.yaml'),
    inProcessAlerts: env('IN_PROCESS_ALERTS', 'true') !== 'false',
    alertWebhookToken: process.env.ALERT_WEBHOOK_TOKEN,
    uploadToken: process.env.UPLOAD_TOKEN,
    databaseUrl: process.env.DATABASE_URL,
    redisUrl: process.env.REDIS_URL,
  },
  port,
  env('HOST', '127.0.0.1'),
);
console.log(`coaching-api listening on ${app.url}`);
const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
