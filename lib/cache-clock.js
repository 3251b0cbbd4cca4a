'use strict';
/**
 * "Now" for cache expiry, cheap enough for every `get`.
 *
 * `performance.now()` costs about 60 ns on these machines, more than a whole cache hit, so the
 * cache reads it at most once per {@link TTL_RESOLUTION_MS}: the value is kept, and an `unref()`ed
 * timer forgets it after that long (lru-cache's `ttlResolution`). Expiry is therefore exact to
 * about a millisecond, measured in event-loop time: a synchronous loop that runs for a second
 * sees one "now" throughout. A cache given a `ManualClock` reads that clock instead, exactly.
 * @module cache-clock
 */
const { realNow } = require('./clock');

/** How long a read of the clock is reused, in ms. */
const TTL_RESOLUTION_MS = 1;

let cached = 0;

function forget() {
  cached = 0;
}

/**
 * The time in ms (`performance.now()` scale), read at most once per {@link TTL_RESOLUTION_MS}.
 * @returns {number}
 */
function coarseNow() {
  if (cached === 0) {
    cached = realNow();
    setTimeout(forget, TTL_RESOLUTION_MS).unref();
  }
  return cached;
}

/**
 * The clock functions of a cache: `coarse` for the per-call checks, `precise` for the sweep.
 * @param {{ now(): number } | undefined} clock a ManualClock, or undefined for real time
 * @returns {{ coarse: () => number, precise: () => number }}
 */
function cacheClock(clock) {
  if (clock === undefined) return { coarse: coarseNow, precise: realNow };
  const now = () => clock.now();
  return { coarse: now, precise: now };
}

module.exports = { TTL_RESOLUTION_MS, coarseNow, cacheClock };
