export { instrumentRedis } from './instrument-redis.js';
export type { InstrumentRedisOptions, InstrumentedRedis, RedisCommandClient } from './instrument-redis.js';
