'use strict';
/**
 * Removing expired cache entries nobody reads, so that they do not pin memory.
 *
 * While a cache holds entries with a time limit, an `unref()`ed interval (it never keeps the
 * process alive, and holds the cache only through a `WeakRef`) walks the slot table in chunks:
 * a full pass takes about 8 ticks of {@link SWEEP_INTERVAL_MS}. Entries past their ttl and stale
 * window are removed (`evict` reason `expired`). A pass that finds nothing left with a time limit
 * stops the interval; the next such `set` starts it again. `prune()` does a full pass now.
 * @module cache-sweep
 */

/** The expiry time of an entry without a time limit. */
const NEVER = Infinity;
/** The interval between sweep ticks, ms. */
const SWEEP_INTERVAL_MS = 1000;
/** Slots a tick examines at least. */
const SWEEP_MIN_CHUNK = 4096;
/** Reason code of `remove` for an expired entry (`engine::cache::index`). */
const REMOVE_EXPIRED = 1;

/**
 * Starts the sweep of `cache` (it must not be running).
 * @param {import('./cache').Cache} cache
 */
function startSweep(cache) {
  const ref = new WeakRef(cache);
  const timer = setInterval(() => {
    const live = ref.deref();
    if (live === undefined) clearInterval(timer);
    else sweepStep(live);
  }, SWEEP_INTERVAL_MS);
  timer.unref();
  cache._sweeper = timer;
  cache._sweepCursor = 0;
  cache._sweepSawTtl = false;
}

/**
 * Stops the sweep of `cache`, if running.
 * @param {import('./cache').Cache} cache
 */
function stopSweep(cache) {
  if (cache._sweeper !== null) clearInterval(cache._sweeper);
  cache._sweeper = null;
}

/** Whether `slot` holds an entry whose time, stale window included, has run out at `now`. */
function isDead(cache, slot, now) {
  const expiresAt = cache._expires[slot];
  return expiresAt !== NEVER && cache._keys[slot] !== undefined && expiresAt + cache.staleWhileRevalidate <= now;
}

/** One tick: the next chunk of the slot table. */
function sweepStep(cache) {
  const length = cache._keys.length;
  const now = cache._preciseNow();
  const end = Math.min(length, cache._sweepCursor + Math.max(SWEEP_MIN_CHUNK, Math.ceil(length / 8)));
  let slot = cache._sweepCursor;
  for (; slot < end; slot++) {
    if (isDead(cache, slot, now)) cache._drop(slot, REMOVE_EXPIRED, 'expired');
    else if (cache._expires[slot] !== NEVER && cache._keys[slot] !== undefined) cache._sweepSawTtl = true;
  }
  if (slot < length) {
    cache._sweepCursor = slot;
    return;
  }
  cache._sweepCursor = 0;
  if (!cache._sweepSawTtl) stopSweep(cache); // nothing left that can expire
  cache._sweepSawTtl = false;
}

/**
 * Removes every entry of `cache` whose time has run out, now.
 * @param {import('./cache').Cache} cache
 * @returns {number} how many were removed
 */
function prune(cache) {
  const now = cache._preciseNow();
  let removed = 0;
  for (let slot = 0; slot < cache._keys.length; slot++) {
    if (isDead(cache, slot, now)) {
      cache._drop(slot, REMOVE_EXPIRED, 'expired');
      removed++;
    }
  }
  return removed;
}

module.exports = { NEVER, SWEEP_INTERVAL_MS, startSweep, stopSweep, sweepStep, prune };
