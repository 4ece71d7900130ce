// `pnpm start`: runs the coaching API configured from the environment.
// Used by the fleet set-up (two instances behind Prometheus + Alertmanager).
import { hasLocalStt } from './audio.js';
import { readRules } from './observability.js';
import { startExpressApp } from './start.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`Set ${name} (see examples/express-app/README.md)`);
  return value;
};

const app = await startExpressApp(
  {
    serviceName: env('SERVICE_NAME', 'coaching-api'),
    billingUrl: env('BILLING_URL'),
    smtp: { host: env('SMTP_HOST', '127.0.0.1'), port: Number(env('SMTP_PORT', '25')) },
    oncallEmail: env('ONCALL_EMAIL', 'oncall@coachly.test'),
    cloudSttUrl: env('CLOUD_STT_URL'),
    cloudSttApiKey: env('CLOUD_STT_API_KEY', 'unset'),
    localStt: hasLocalStt(),
    rules: readRules(env('RULES', 'rules.yaml') === 'demo-rules.yaml' ? 'demo-rules.yaml' : 'rules.yaml'),
    inProcessAlerts: env('IN_PROCESS_ALERTS', 'true') !== 'false',
    alertWebhookToken: process.env.ALERT_WEBHOOK_TOKEN,
  },
  Number(env('PORT', '3000')),
  env('HOST', '127.0.0.1'),
);
console.log(`coaching-api listening on ${app.url}`);
const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
