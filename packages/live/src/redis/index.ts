export { redisBroker } from './redis-broker.js';
export type { RedisBrokerOptions } from './redis-broker.js';
