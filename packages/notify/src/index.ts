export { createNotifier } from './notifier.js';
export type {
  Notifier,
  NotifierOptions,
  RetryOptions,
  SendOptions,
  SendReceipt,
  DeadLetter,
  ChannelStats,
  PlannedDelivery,
} from './notifier-types.js';
export type {
  NotifyEvent,
  NotifyEventType,
  NotifyDeliveryEventBase,
  NotifyDeliveredEvent,
  NotifyRetryScheduledEvent,
  NotifyRateLimitedEvent,
  NotifyCircuitRejectedEvent,
  NotifyDeadLetteredEvent,
  NotifyDeferredEvent,
  NotifySkippedEvent,
  NotifyChannelDisabledEvent,
  NotifyDuplicateDroppedEvent,
} from './events.js';
export type { ChannelBreakerOptions } from './breaker.js';
export type { NotifyRoute } from './routes.js';
export type { QuietHours, QuietWindow, Weekday } from './quiet-hours.js';
export { recipientIdempotencyKey } from './recipients.js';
export type { RecipientPreferences } from './recipients.js';
export type {
  NotificationMessage,
  TemplatedMessage,
  NormalizedMessage,
  Recipient,
  MessageLink,
  Severity,
} from './message.js';
export type { NotificationChannel, Delivery, DeliveryRecipient, DeliveryResult, RateLimit } from './channel.js';
export { NotifyDeliveryError, NotifyMessageError } from './errors.js';
export type { FailureClassification, DeliveryFailureDetails, InvalidMessageReason } from './errors.js';
export { memoryStore } from './store.js';
export { fileStore } from './stores/file-store.js';
export type { FileStore, FileStoreOptions, FileStoreRecovery } from './stores/file-store.js';
export type { JournalDamage } from './stores/journal-codec.js';
export { NotifyStoreLockedError } from './stores/store-lock.js';
export { NotifyStoreUnavailableError } from './queue/store-unavailable.js';
export { outboxQueue } from './queue/outbox-queue.js';
export type {
  DeliveryQueue,
  QueueLease,
  ClaimedDelivery,
  ClaimOptions,
  EnqueueResult,
  ChannelThrottle,
  SharedRateLimit,
} from './queue/queue-port.js';
export type {
  OutboxStore,
  OutboxRecord,
  OutboxSnapshot,
  IdempotencyEntry,
  DeliveryErrorSummary,
  MemoryStore,
} from './store.js';
export type { FetchFunction, HttpChannelOptions } from './http.js';
export { smtpChannel } from './channels/smtp.js';
export type { SmtpChannelOptions } from './channels/smtp.js';
export { sendgridChannel } from './channels/sendgrid.js';
export type { SendgridChannelOptions } from './channels/sendgrid.js';
export { slackChannel } from './channels/slack.js';
export type { SlackChannelOptions } from './channels/slack.js';
export { webhookChannel, signStandardWebhook } from './channels/webhook.js';
export type { WebhookChannelOptions } from './channels/webhook.js';
export { pagerdutyChannel } from './channels/pagerduty.js';
export type { PagerdutyChannelOptions } from './channels/pagerduty.js';
export { teamsChannel } from './channels/teams.js';
export type { TeamsChannelOptions } from './channels/teams.js';
export { discordChannel } from './channels/discord.js';
export type { DiscordChannelOptions } from './channels/discord.js';
export { consoleChannel } from './channels/console.js';
export type { ConsoleChannelOptions } from './channels/console.js';
export { memoryChannel } from './channels/memory.js';
export type { MemoryChannel, MemoryChannelOptions } from './channels/memory.js';
export { alertReceiver, alertGroupIdempotencyKey, alertGroupCorrelationKey } from './alerts/alert-receiver.js';
export type { AlertReceiver, AlertReceiverOptions, AlertTemplates } from './alerts/alert-receiver.js';
export {
  defaultAlertSubject,
  defaultAlertText,
  alertGroupSeverity,
  alertGroupLinks,
  severityFromLabel,
} from './alerts/alert-format.js';
export { alertmanagerWebhookHandler } from './alerts/webhook-handler.js';
export type {
  AlertmanagerWebhookHandler,
  AlertmanagerWebhookOptions,
  WebhookAnswer,
  WebhookRequest,
} from './alerts/webhook-handler.js';
export { createTemplateRegistry, defineTemplate, NotifyTemplateError } from './templates/registry.js';
export type {
  TemplateDefinition,
  TemplateRegistry,
  RenderedTemplate,
  TemplateErrorReason,
} from './templates/registry.js';
export { html, escapeHtml, textFromHtml } from './templates/html.js';
export type { SafeHtml } from './templates/html.js';
