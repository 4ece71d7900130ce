// `pnpm start`: runs the coaching API on Fastify, configured from the environment.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DEBIAN_MODEL_DIRECTORY } from '@telltale/stt';
import { startFastifyApp } from './start.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`Set ${name} (see examples/fastify-app/README.md)`);
  return value;
};

const onPath = (binary: string) =>
  (process.env.PATH ?? '').split(delimiter).some((directory) => existsSync(join(directory, binary)));
// Debian's pocketsphinx (with its English model) and sox make the local fallback available.
const localStt = onPath('pocketsphinx_continuous') && onPath('sox') && existsSync(DEBIAN_MODEL_DIRECTORY);

const serviceName = env('SERVICE_NAME', 'coaching-api-fastify');
const port = Number(env('PORT', '3000'));
const app = await startFastifyApp(
  {
    serviceName,
    billingUrl: env('BILLING_URL'),
    smtp: { host: env('SMTP_HOST', '127.0.0.1'), port: Number(env('SMTP_PORT', '25')) },
    oncallEmail: env('ONCALL_EMAIL', 'oncall@coachly.test'),
    cloudSttUrl: env('CLOUD_STT_URL'),
    cloudSttApiKey: env('CLOUD_STT_API_KEY', 'unset'),
    localStt,
    // Per port by default, so two instances on one host never share the outbox (one process per directory).
    dataDirectory: env('DATA_DIR', join(tmpdir(), `telltale-${serviceName}-${port}`)),
    backupSttUrl: process.env.BACKUP_STT_URL,
    alertWebhookToken: process.env.ALERT_WEBHOOK_TOKEN,
    uploadToken: process.env.UPLOAD_TOKEN,
  },
  port,
  env('HOST', '127.0.0.1'),
);
process.stdout.write(`coaching-api (Fastify) listening on ${app.url}\n`);
const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
