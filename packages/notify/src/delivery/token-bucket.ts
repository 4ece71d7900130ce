/** A token bucket: `take(now)` returns 0 when a token was taken, else the milliseconds until one is available. */
export interface TokenBucket {
  take(now: number): number;
}

/** Creates a full token bucket refilling at `perSecond` up to `burst`. */
export function createTokenBucket(perSecond: number, burst: number, now: number): TokenBucket {
  let tokens = burst;
  let updatedAt = now;
  return {
    take(at) {
      if (at > updatedAt) {
        tokens = Math.min(burst, tokens + ((at - updatedAt) / 1000) * perSecond);
        updatedAt = at;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil(((1 - tokens) / perSecond) * 1000));
    },
  };
}
