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
  /**
   * Directory for durable state (created if missing): the notifier's outbox journal in `notify/`
   * and the alert engine's `alerts-state.json`. One process per directory: each instance needs its own.
   */
  dataDirectory: string;
  /** Alert rule file (YAML text); defaults to `src/rules.yaml`. */
  rules?: string;
  evaluationInterval?: string;
  /** Bearer token Alertmanager must send to `POST /alerts/webhook`; unset = the route is not mounted. */
  alertWebhookToken?: string | undefined;
  /** Bearer token `POST /sessions/:id/transcript` requires; unset = uploads are refused (403). */
  uploadToken?: string | undefined;
  logger?: Logger;
  clock?: Clock;
}
