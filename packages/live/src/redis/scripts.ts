/**
 * Publishes one event atomically: next id (never below the publisher's
 * floor, so ids keep rising after Redis lost its data), capped history,
 * TTLs so idle topics vanish, and the pub/sub message.
 *
 * KEYS: counter, history. ARGV: floor, entry tail, history size, ttl seconds, channel.
 */
export const PUBLISH_SCRIPT = `
local id = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[1])
if id <= floor then
  id = floor + 1
  redis.call('SET', KEYS[1], id)
end
local entry = '{"id":' .. string.format('%d', id) .. ARGV[2]
redis.call('RPUSH', KEYS[2], entry)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[5], entry)
return id
`;

/** The pub/sub message that ends a topic on every instance. */
export const END_MESSAGE = '{"end":true}';

/** Redis keys and channel of one topic; the hash tag keeps them in one cluster slot. */
export function topicKeys(prefix: string, topic: string): { counter: string; history: string; channel: string } {
  const base = `${prefix}{${topic}}`;
  return { counter: `${base}:id`, history: `${base}:history`, channel: `${base}:events` };
}
