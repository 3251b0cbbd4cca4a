'use strict';
/**
 * The fetching side of a cache: `getOrFetch` misses and stale-while-revalidate refreshes.
 *
 * - One fetch per key at a time (a *flight*, kept in `cache._inflight`): concurrent misses for a
 *   key join the running flight instead of calling the fetcher again.
 * - A fetch that succeeds stores its value (unless the key was `set`, `delete`d or `clear`ed
 *   meanwhile: the flight is then *detached*, its callers still get the value, the cache does
 *   not). A fetch that fails stores nothing; every caller waiting for it gets the rejection.
 * - Aborting: a caller's `signal` rejects that caller with the signal's reason. The fetcher gets
 *   a signal of its own, which aborts when *every* caller waiting for the flight has aborted (a
 *   caller without a signal, or a background refresh, keeps it alive: its signal is then
 *   `undefined` or never aborts); the abandoned flight is detached.
 * - A refresh is a flight nobody waits for (yet): started by a read of a stale entry, it replaces
 *   the value on success; on failure the stale value stays until it expires fully, and the cache
 *   emits `refreshError`.
 * @module cache-fetch
 */

const noop = () => {};

/** What a cache entry was loaded with, so that a stale read can refresh it. */
class Loader {
  /**
   * @param {(key: string | number, context: { signal: AbortSignal | undefined }) => unknown} fetcher
   * @param {number} ttl ms the fetched value lives (0 = no limit)
   */
  constructor(fetcher, ttl) {
    this.fetcher = fetcher;
    this.ttl = ttl;
  }
}

/** One running fetch of one key. */
class Flight {
  /**
   * @param {import('./cache').Cache} cache
   * @param {string | number} key
   * @param {Loader} loader
   * @param {boolean} refresh whether a stale read started it
   */
  constructor(cache, key, loader, refresh) {
    this.cache = cache;
    this.key = key;
    this.loader = loader;
    this.refresh = refresh;
    /** @type {AbortController | null} */
    this.controller = null;
    /** Set once a caller that cannot abort waits (or for a refresh): never abandoned then. */
    this.pinned = refresh;
    /** Callers with a signal still waiting. */
    this.waiting = 0;
    /** @type {Promise<unknown>} settles with the fetch (stored first, if still attached) */
    this.promise = null;
  }

  /** Whether this flight is still the key's current one (its result will be stored). */
  get attached() {
    return this.cache._inflight.get(this.key) === this;
  }

  /**
   * Calls the fetcher.
   * @param {boolean} abortable whether the first caller has a signal
   */
  start(abortable) {
    if (abortable) this.controller = new AbortController();
    let settle;
    // The promise exists before the fetcher runs, so a fetcher that asks for its own key joins.
    this.promise = new Promise((resolve) => {
      settle = resolve;
    }).then(
      (value) => {
        if (this.attached) {
          this.cache._inflight.delete(this.key);
          this.cache._put(this.key, value, this.loader.ttl, this.loader, this.cache._map.get(this.key));
        }
        return value;
      },
      (error) => {
        if (this.attached) this.cache._inflight.delete(this.key);
        if (this.refresh) this.cache.emitSafely('refreshError', { key: this.key, error });
        throw error;
      },
    );
    this.promise.catch(noop); // a refresh, or a flight every caller abandoned, has no one to tell
    try {
      settle(this.loader.fetcher(this.key, { signal: this.controller === null ? undefined : this.controller.signal }));
    } catch (error) {
      settle(Promise.reject(error));
    }
  }

  /**
   * A caller's promise of the result.
   * @param {AbortSignal | undefined} signal not yet aborted
   * @returns {Promise<unknown>}
   */
  join(signal) {
    if (signal === undefined) {
      this.pinned = true;
      return this.promise;
    }
    this.waiting++;
    return new Promise((resolve, reject) => {
      let done = false;
      const onAbort = () => {
        if (done) return;
        done = true;
        reject(signal.reason);
        if (--this.waiting === 0 && !this.pinned) this.abandon(signal.reason);
      };
      const finish = () => {
        if (done) return false;
        done = true;
        this.waiting--;
        signal.removeEventListener('abort', onAbort);
        return true;
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.promise.then(
        (value) => finish() && resolve(value),
        (error) => finish() && reject(error),
      );
    });
  }

  /** Every caller gave up: detach, and abort the fetcher's signal. */
  abandon(reason) {
    if (this.attached) this.cache._inflight.delete(this.key);
    if (this.controller !== null) this.controller.abort(reason);
  }
}

/**
 * A `getOrFetch` miss: joins the key's running flight (counted as coalesced) or starts one.
 * @param {import('./cache').Cache} cache
 * @param {string | number} key
 * @param {Loader} loader
 * @param {AbortSignal | undefined} signal not yet aborted
 * @returns {Promise<unknown>}
 */
function fetchMiss(cache, key, loader, signal) {
  let flight = cache._inflight.get(key);
  if (flight !== undefined) {
    cache._countCoalesced();
    return flight.join(signal);
  }
  flight = new Flight(cache, key, loader, false);
  cache._inflight.set(key, flight);
  flight.start(signal !== undefined);
  return flight.join(signal);
}

/**
 * Starts a background refresh of a stale entry, unless one is running or it has no loader.
 * @param {import('./cache').Cache} cache
 * @param {string | number} key
 * @param {Loader | undefined} loader what the entry was loaded with
 */
function refresh(cache, key, loader) {
  if (loader === undefined || cache._inflight.has(key)) return;
  const flight = new Flight(cache, key, loader, true);
  cache._inflight.set(key, flight);
  flight.start(false);
}

module.exports = { Loader, fetchMiss, refresh };
