import type { Clock, Logger } from '@telltale/core';

/** Where the app's dependencies live (the same shape as the Express example's). */
export interface AppConfig {
  serviceName: string;
  /** Base URL of the billing provider (`POST /charges`). */
  billingUrl: string;
  /** SMTP relay for product and alert emails. */
  smtp: { host: string; port: number };
  /** On-call address that receives alert emails. */
  oncallEmail: string;
  /** Optional ops webhook (Standard Webhooks signed). */
  opsWebhook?: { url: string; secret: string };
  /** Base URL of the cloud speech-to-text API (OpenAI wire format). */
  cloudSttUrl: string;
  cloudSttApiKey: string;
  /** Use the local pocketsphinx engine as the last fallback (needs Debian's pocketsphinx). */
  localStt: boolean;
  /** A second cloud STT (OpenAI wire format) used as the fallback when `localStt` is false. */
  backupSttUrl?: string;
  /** Alert rule file (YAML text); defaults to `src/rules.yaml`. */
  rules?: string;
  evaluationInterval?: string;
  /** Bearer token Alertmanager must send to `POST /alerts/webhook`; unset = no auth. */
  alertWebhookToken?: string | undefined;
  logger?: Logger;
  clock?: Clock;
}
