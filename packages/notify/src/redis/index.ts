export { redisStore } from './redis-store.js';
export type { RedisStore, RedisStoreOptions } from './redis-store.js';
export { NotifyStoreUnavailableError } from '../queue/store-unavailable.js';
