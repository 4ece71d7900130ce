// Lua scripts of the Redis store. Each runs atomically in Redis, which is what makes one
// delivery go to one claimant, one idempotency key to one message, and one token bucket serve
// every replica. All keys of one store share the `{name}` hash tag, so they live in one
// cluster slot. Times are the callers' epoch milliseconds.

/**
 * Reserves the idempotency key and stores the records, or returns the entry that holds the key.
 * KEYS: key, records, dead. ARGV: due-key prefix, entry JSON, key TTL ms, then per record:
 * id, channel, score (next attempt or dead time), JSON, state.
 */
export const ENQUEUE_SCRIPT = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl) end
for i = 4, #ARGV, 5 do
  local id, channel, score, json, state = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  redis.call('HSET', KEYS[2], id, json)
  if state == 'dead' then redis.call('ZADD', KEYS[3], score, id)
  else redis.call('ZADD', ARGV[1] .. channel, score, id) end
end
return false
`;

/**
 * Hands out due deliveries of one channel with a lease; first puts back the deliveries whose
 * lease expired (their claimant died or stalled). Nothing while the channel is paused (a 429
 * seen by any replica). KEYS: due, leased, tokens, records, pause.
 * ARGV: now, lease end, limit, token prefix. Returns [id, token, json, ...].
 */
export const CLAIM_SCRIPT = `
local now = tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[5]) or '0') > now then return {} end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZADD', KEYS[1], now, id)
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for i, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local json = redis.call('HGET', KEYS[4], id)
  if json then
    local token = ARGV[4] .. ':' .. i
    redis.call('ZADD', KEYS[2], ARGV[2], id)
    redis.call('HSET', KEYS[3], id, token)
    out[#out + 1] = id
    out[#out + 1] = token
    out[#out + 1] = json
  end
end
return out
`;

/**
 * Ends a claim, if the token still holds it: 'ack' removes the delivery, 'release' stores it
 * due at a score, 'dead' stores it as a dead letter. KEYS: leased, tokens, records, due, dead.
 * ARGV: id, token, mode, JSON, score. Returns 1, or 0 when the lease was lost.
 */
export const END_CLAIM_SCRIPT = `
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[3] == 'ack' then
  redis.call('HDEL', KEYS[3], ARGV[1])
elseif ARGV[3] == 'release' then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
  redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
else
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
  redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1])
end
return 1
`;

/**
 * Extends the leases still held by their tokens. KEYS: leased, tokens. ARGV: lease end, then
 * id, token pairs. Returns the ids renewed.
 */
export const RENEW_SCRIPT = `
local renewed = {}
for i = 2, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
    renewed[#renewed + 1] = ARGV[i]
  end
end
return renewed
`;

/**
 * Moves one dead letter back to pending, if it is still dead (two redrives do not double it).
 * KEYS: dead, records, due. ARGV: id, JSON, score. Returns 1 or 0.
 */
export const REVIVE_SCRIPT = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1
`;

/**
 * Takes a token of a channel's bucket, shared by every replica; honours a pause first.
 * KEYS: bucket, pause. ARGV: now, per second ('' for no limit), burst.
 * Returns 0 when a token was taken, else the milliseconds to wait.
 */
export const ACQUIRE_SCRIPT = `
local now = tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return paused - now end
if ARGV[2] == '' then return 0 end
local rate, burst = tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
  at = now
end
local wait = 0
if tokens >= 1 then tokens = tokens - 1
else wait = math.max(1, math.ceil((1 - tokens) / rate * 1000)) end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%d', at))
redis.call('PEXPIRE', KEYS[1], 3600000)
return wait
`;

/** Pauses a channel until ARGV[1] unless already paused longer. KEYS: pause. ARGV: until, now. */
export const PAUSE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local untilAt, now = tonumber(ARGV[1]), tonumber(ARGV[2])
if untilAt > current and untilAt > now then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', math.ceil(untilAt - now))
end
return 1
`;

/** The Redis keys of one store. */
export function storeKeys(prefix: string) {
  return {
    records: `${prefix}records`,
    dead: `${prefix}dead`,
    tokens: `${prefix}tokens`,
    duePrefix: `${prefix}due:`,
    due: (channel: string) => `${prefix}due:${channel}`,
    leased: (channel: string) => `${prefix}leased:${channel}`,
    key: (key: string) => `${prefix}key:${key}`,
    bucket: (channel: string) => `${prefix}bucket:${channel}`,
    pause: (channel: string) => `${prefix}pause:${channel}`,
  };
}
