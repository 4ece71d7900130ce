export { createLiveHub } from './create-live-hub.js';
export type { LiveHub, LiveHubStats } from './create-live-hub.js';
export type {
  LiveHubOptions,
  LiveTransport,
  Authorize,
  AuthorizeContext,
  AuthorizeResult,
  LiveSseFormat,
  LiveRefusal,
} from './hub-options.js';
export type { LiveMessage } from './publication.js';
export { memoryBroker } from './memory-broker.js';
export type { MemoryBrokerOptions } from './memory-broker.js';
export type {
  LiveBroker,
  LiveEvent,
  BrokerEvent,
  BrokerMessage,
  BrokerPublication,
  BrokerSubscription,
  TopicHistory,
  ConnectionCounter,
} from './broker.js';
export { LIVE_ERROR_CODES } from './errors.js';
export { liveFeed } from './feed.js';
export type { LiveFeed, LiveFeedOptions, LiveFeedSource } from './feed.js';
export { jobStatusMessage } from './job-status.js';
export type { JobStatusEvent, LiveFeedMessage } from './job-status.js';
