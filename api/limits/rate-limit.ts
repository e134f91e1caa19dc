/** What a rate limiter said about one operation. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Points per minute (the bucket's size). */
  limit: number;
  /** Points left after this operation (or before it, when refused). */
  remaining: number;
  /** Unix time, in seconds, when the bucket will be full again. */
  resetAtSec: number;
  /** Seconds until enough points for this operation are back (0 when allowed). */
  retryAfterSec: number;
}

/** Per-key budget of query cost points (like GitHub's and Shopify's): a token bucket of
 *  `pointsPerMinute` points per key refilling continuously. In memory, per replica. */
export interface RateLimiter {
  /** Takes `cost` points from `key`'s bucket when it holds that many. */
  consume(key: string, cost: number): RateLimitDecision;
}

interface Bucket {
  points: number;
  updatedMs: number;
}

/** Most buckets kept; past it, full buckets (keys idle for a minute) are dropped first. */
const MAX_BUCKETS = 100_000;

/** A {@link RateLimiter}; `pointsPerMinute` 0 allows everything.
 *  @example const limiter = createRateLimiter({ pointsPerMinute: 20_000 }); limiter.consume('ak_1', 42) */
export function createRateLimiter(params: { pointsPerMinute: number; clock?: () => number }): RateLimiter {
  const { pointsPerMinute } = params;
  const clock = params.clock ?? Date.now;
  const perMs = pointsPerMinute / 60_000;
  const buckets = new Map<string, Bucket>();

  const prune = (now: number) => {
    for (const [k, b] of buckets) if (b.points + (now - b.updatedMs) * perMs >= pointsPerMinute) buckets.delete(k);
    // Still full of active keys: forget the oldest (Map keeps insertion order).
    for (const k of buckets.keys()) {
      if (buckets.size < MAX_BUCKETS) break;
      buckets.delete(k);
    }
  };

  return {
    consume(key, cost) {
      const now = clock();
      if (pointsPerMinute === 0)
        return { allowed: true, limit: 0, remaining: 0, resetAtSec: Math.ceil(now / 1000), retryAfterSec: 0 };
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= MAX_BUCKETS) prune(now);
        bucket = { points: pointsPerMinute, updatedMs: now };
        buckets.set(key, bucket);
      }
      bucket.points = Math.min(pointsPerMinute, bucket.points + (now - bucket.updatedMs) * perMs);
      bucket.updatedMs = now;
      const allowed = bucket.points >= cost;
      if (allowed) bucket.points -= cost;
      const remaining = Math.floor(bucket.points);
      const resetAtSec = Math.ceil((now + (pointsPerMinute - bucket.points) / perMs) / 1000);
      const retryAfterSec = allowed
        ? 0
        : Math.max(1, Math.ceil((Math.min(cost, pointsPerMinute) - bucket.points) / perMs / 1000));
      return { allowed, limit: pointsPerMinute, remaining, resetAtSec, retryAfterSec };
    },
  };
}
