'use strict';
/**
 * Cache: a bounded in-memory cache with time-to-live, stale-while-revalidate and one fetch per
 * key (`getOrFetch`).
 *
 * The values live here: a `Map` from key to *slot* (a small integer the native index hands out),
 * and arrays indexed by slot for the key, the value and the expiry time (as lru-cache
 * does: an insert allocates no object). Which entries stay is decided natively (`engine::cache`:
 * W-TinyLFU by default). So that a hit costs no native call, a read appends the slot to a ring of
 * native cells (two typed-array stores) that the native side replays when the ring is full or
 * before it hands out or frees a slot. An insert is one raw native call, which returns the slot to
 * evict (or -1). Counters are native cells too (this thread is their only writer), so `metrics()`
 * renders them.
 *
 * Time: an entry expires `ttl` ms after it was set; with `staleWhileRevalidate` it is then served
 * stale for that much longer while one background refresh runs (entries loaded by `getOrFetch`).
 * Expired entries go lazily (when read) and through an `unref()`ed sweep, so they do not pin
 * memory. "Now" is read through a cached clock (`cache-clock.js`), or the `clock` option's
 * `ManualClock`.
 * @module cache
 */
const { nativeCache } = require('./native');
const { SafeEmitter } = require('./events');
const { cacheClock } = require('./cache-clock');
const { cacheSettings, ttlOption, fetchOptions } = require('./cache-options');
const { NEVER, startSweep, stopSweep, prune } = require('./cache-sweep');
const { checkKey, hashKey } = require('./cache-keys');
const { Loader, fetchMiss, refresh } = require('./cache-fetch');
const v = require('./validate');

// Cell layout: `engine::cache::cells`.
const RING_LEN = 0;
const NEW_SLOT = 1;
const HITS = 4;
const MISSES = 6;
const EXPIRED = 8;
const EVICTED = 10;
const REPLACED = 14;
const COALESCED = 16;
const RING = 32;
const RING_LAST = 255;
const REMOVE_EXPIRED = 1;
const REMOVE_EXPLICIT = 2;

/** Events checked per eviction, as bits of `_listening`. */
const HOT_EVENTS = Object.freeze(['evict']);
const EVICT_EVENT = 1;

function bump(cells, i) {
  if (++cells[i] === 0) cells[i + 1]++;
}

function readCounter(cells, i) {
  return (cells[i + 1] >>> 0) * 4294967296 + (cells[i] >>> 0);
}

/**
 * A bounded cache of any JS values under string or number keys.
 *
 * Events: `evict` `{ key, value, reason }` with reason `size` (evicted for room), `expired`,
 * `explicit` (`delete`, `clear`) or `replaced` (a `set` or refresh with a different value);
 * `refreshError` `{ key, error }` when a background refresh fails (the stale value stays).
 */
class Cache extends SafeEmitter {
  /**
   * @param {{ maxEntries: number, ttl?: number, staleWhileRevalidate?: number, policy?: 'tinylfu' | 'lru', name?: string, clock?: import('./clock').ManualClock }} options
   * @param {string} [where] call site for error messages
   */
  constructor(options, where) {
    super(HOT_EVENTS);
    const s = cacheSettings(options, where);
    /** The cache's name (events, metrics). */
    this.name = s.name;
    /** The most entries kept. */
    this.maxEntries = s.maxEntries;
    /** Default time to live of an entry, ms (0 = no limit). */
    this.ttl = s.ttl;
    /** How long past its ttl an entry is still served while it is refreshed, ms. */
    this.staleWhileRevalidate = s.staleWhileRevalidate;
    /** The eviction policy. */
    this.policy = s.policy;
    const native = nativeCache(s.maxEntries, s.policy, s.name);
    this._cells = native.cells;
    // The ring as a view of its own: V8 keeps the count's load and store apart from the ring
    // stores only when they go through different arrays (7 ns per hit otherwise).
    this._ring = new Int32Array(native.cells.buffer, native.cells.byteOffset + RING * 4, RING_LAST + 1);
    this._insert = native.insert;
    this._remove = native.remove;
    this._drain = native.drain;
    this._clear = native.clear;
    const clock = cacheClock(s.clock);
    this._now = clock.coarse;
    this._preciseNow = clock.precise;
    /** @type {Map<string | number, number>} key → slot */
    this._map = new Map();
    // By slot: key (undefined = free slot), value, expiry time (ms; NEVER = no limit).
    /** @type {Array<string | number | undefined>} */
    this._keys = [];
    /** @type {unknown[]} */
    this._values = [];
    /** @type {number[]} */
    this._expires = [];
    /** @type {Map<number, Loader>} by slot: how entries loaded by getOrFetch are refreshed */
    this._loaders = new Map();
    /** @type {Map<string | number, import('./cache-fetch').Flight>} running fetches by key */
    this._inflight = new Map();
    this._sweeper = null;
    this._sweepCursor = 0;
    this._sweepSawTtl = false;
    this._site = `Cache(${JSON.stringify(s.name)})`;
  }

  /** Entries held (expired ones not yet removed included). */
  get size() {
    return this._map.size;
  }

  /**
   * The value under `key`, or `undefined`. A stale entry (past its ttl, within
   * `staleWhileRevalidate`) is served and, if `getOrFetch` loaded it, refreshed in the background.
   * @param {string | number} key
   * @returns {unknown}
   */
  get(key) {
    const slot = this._map.get(key);
    if (slot !== undefined) {
      const expiresAt = this._expires[slot];
      if (expiresAt === NEVER || expiresAt > this._now()) {
        const cells = this._cells;
        const n = cells[RING_LEN];
        this._ring[n] = slot;
        cells[RING_LEN] = n + 1;
        if (n === RING_LAST) this._drain();
        return this._values[slot];
      }
      const stale = this._values[slot]; // read first: a synchronous fetcher may change the slot
      if (this._serveStale(slot)) return stale;
    } else {
      checkKey(`${this._site}.get()`, key);
    }
    bump(this._cells, MISSES);
    return undefined;
  }

  /**
   * Whether `get(key)` would return a value now (no counter moves, nothing is reordered).
   * @param {string | number} key
   * @returns {boolean}
   */
  has(key) {
    const slot = this._map.get(key);
    if (slot === undefined) {
      checkKey(`${this._site}.has()`, key);
      return false;
    }
    const expiresAt = this._expires[slot];
    return expiresAt === NEVER || expiresAt + this.staleWhileRevalidate > this._now();
  }

  /**
   * Stores `value` under `key` for `ttl` ms (default: the cache's `ttl`; 0 = no limit). A running
   * fetch of the key is detached (its result will not overwrite this value).
   * @param {string | number} key
   * @param {unknown} value
   * @param {number | { ttl?: number }} [options] a ttl in ms, or `{ ttl }`
   * @returns {this}
   */
  set(key, value, options) {
    const ttl = options === undefined ? this.ttl : ttlOption(`${this._site}.set()`, options, this.ttl);
    if (this._inflight.size !== 0) this._detach(key);
    const slot = this._map.get(key);
    if (slot === undefined) checkKey(`${this._site}.set()`, key);
    this._put(key, value, ttl, null, slot);
    return this;
  }

  /**
   * Removes `key` (an `evict` event with reason `explicit`); detaches a running fetch of it.
   * @param {string | number} key
   * @returns {boolean} whether an entry was there
   */
  delete(key) {
    if (this._inflight.size !== 0) this._detach(key);
    const slot = this._map.get(key);
    if (slot === undefined) {
      checkKey(`${this._site}.delete()`, key);
      return false;
    }
    this._drop(slot, REMOVE_EXPLICIT, 'explicit');
    return true;
  }

  /** Removes every entry (`evict` events with reason `explicit`) and detaches running fetches. */
  clear() {
    const gone = (this._listening & EVICT_EVENT) !== 0 ? [...this._map].map(([key, slot]) => ({ key, value: this._values[slot], reason: 'explicit' })) : null;
    this._clear();
    this._map.clear();
    this._keys.fill(undefined);
    this._values.fill(undefined);
    this._expires.fill(0);
    this._loaders.clear();
    this._inflight.clear();
    stopSweep(this);
    if (gone !== null) for (const event of gone) this.emitSafely('evict', event);
  }

  /**
   * The value under `key` if fresh (or stale within `staleWhileRevalidate`, which starts one
   * background refresh with `fetcher`); otherwise `fetcher(key, { signal })`'s result, stored
   * for `ttl` ms. Concurrent misses for one key share one fetch; a failed fetch is not stored and
   * rejects every caller waiting for it. Never throws synchronously.
   * @template T
   * @param {string | number} key
   * @param {(key: string | number, context: { signal: AbortSignal | undefined }) => T | PromiseLike<T>} fetcher
   * @param {{ signal?: AbortSignal, ttl?: number }} [options] `signal` stops this caller's wait
   * @returns {Promise<T>}
   */
  getOrFetch(key, fetcher, options) {
    let signal;
    let ttl = this.ttl;
    try {
      if (typeof fetcher !== 'function') v.fail(TypeError, `${this._site}.getOrFetch()`, 'fetcher', 'a function', fetcher);
      if (options !== undefined) ({ signal, ttl } = fetchOptions(`${this._site}.getOrFetch()`, options, this.ttl));
    } catch (error) {
      return Promise.reject(error);
    }
    const slot = this._map.get(key);
    if (slot !== undefined) {
      const expiresAt = this._expires[slot];
      if (expiresAt === NEVER || expiresAt > this._now()) {
        this._record(slot);
        return Promise.resolve(this._values[slot]);
      }
      if (expiresAt + this.staleWhileRevalidate > this._now()) this._loaders.set(slot, this._loaderFor(this._loaders.get(slot), fetcher, ttl));
      const stale = this._values[slot];
      if (this._serveStale(slot)) return Promise.resolve(stale);
    } else {
      try {
        checkKey(`${this._site}.getOrFetch()`, key);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    bump(this._cells, MISSES);
    return fetchMiss(this, key, this._loaderFor(undefined, fetcher, ttl), signal);
  }

  /** `{ hits, misses, hitRate, evictions, expired, coalesced, size }`; `evictions` counts entries evicted for room (reason `size`). */
  stats() {
    this._drain();
    const cells = this._cells;
    const hits = readCounter(cells, HITS);
    const misses = readCounter(cells, MISSES);
    return {
      hits,
      misses,
      hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
      evictions: readCounter(cells, EVICTED),
      expired: readCounter(cells, EXPIRED),
      coalesced: readCounter(cells, COALESCED),
      size: this._map.size,
    };
  }

  /**
   * Removes every entry whose time (ttl and stale window) has run out, now.
   * @returns {number} how many were removed
   */
  prune() {
    return prune(this);
  }

  /** Appends a read (`slot`) or an update (`~slot`) to the native read ring. */
  _record(value) {
    const cells = this._cells;
    const n = cells[RING_LEN];
    this._ring[n] = value;
    cells[RING_LEN] = n + 1;
    if (n === RING_LAST) this._drain();
  }

  /** A read of `slot` past its expiry time: serves it stale (refreshing it) or drops it. */
  _serveStale(slot) {
    if (this._expires[slot] + this.staleWhileRevalidate > this._now()) {
      this._record(slot);
      refresh(this, this._keys[slot], this._loaders.get(slot));
      return true;
    }
    this._drop(slot, REMOVE_EXPIRED, 'expired');
    return false;
  }

  /** Stores a value: a new entry, or an update of `slot` (the key's current one, or undefined). */
  _put(key, value, ttl, loader, slot) {
    const expiresAt = ttl === 0 ? NEVER : this._now() + ttl;
    if (slot !== undefined) {
      const old = this._values[slot];
      this._values[slot] = value;
      this._expires[slot] = expiresAt;
      if (loader !== null) this._loaders.set(slot, loader);
      else if (this._loaders.size !== 0) this._loaders.delete(slot);
      this._record(~slot);
      if (old !== value) {
        bump(this._cells, REPLACED);
        if ((this._listening & EVICT_EVENT) !== 0) this.emitSafely('evict', { key, value: old, reason: 'replaced' });
      }
    } else {
      const victim = this._insert(hashKey(key));
      const added = this._cells[NEW_SLOT];
      this._map.set(key, added);
      if (added === this._keys.length) {
        this._keys.push(key);
        this._values.push(value);
        this._expires.push(expiresAt);
      } else {
        this._keys[added] = key;
        this._values[added] = value;
        this._expires[added] = expiresAt;
      }
      if (loader !== null) this._loaders.set(added, loader);
      if (victim >= 0) this._free(victim, 'size');
    }
    if (expiresAt !== NEVER && this._sweeper === null) startSweep(this);
  }

  /** Removes `slot` natively (`code`: why), then here. */
  _drop(slot, code, reason) {
    this._remove(slot, code);
    this._free(slot, reason);
  }

  /** Forgets the entry in `slot` (already freed natively) and tells `evict` listeners. */
  _free(slot, reason) {
    const key = this._keys[slot];
    const value = this._values[slot];
    this._map.delete(key);
    this._keys[slot] = undefined;
    this._values[slot] = undefined;
    if (this._loaders.size !== 0) this._loaders.delete(slot);
    if ((this._listening & EVICT_EVENT) !== 0) this.emitSafely('evict', { key, value, reason });
  }

  /** Detaches the running fetch of `key`, if any: its result will not be stored. */
  _detach(key) {
    this._inflight.delete(key);
  }

  _countCoalesced() {
    bump(this._cells, COALESCED);
  }

  /** `loader` if it loads with `fetcher` and `ttl`, else a new one. */
  _loaderFor(loader, fetcher, ttl) {
    return loader !== undefined && loader.fetcher === fetcher && loader.ttl === ttl ? loader : new Loader(fetcher, ttl);
  }
}

/**
 * A new cache: `maxEntries` (required), `ttl` ms (0 or absent = no limit), `staleWhileRevalidate`
 * ms, `policy` (`'tinylfu'` default, or `'lru'`), `name` (default `'cache'`), `clock`.
 * @param {{ maxEntries: number, ttl?: number, staleWhileRevalidate?: number, policy?: 'tinylfu' | 'lru', name?: string, clock?: import('./clock').ManualClock }} options
 * @returns {Cache}
 */
function createCache(options) {
  return new Cache(options, v.site('createCache', options && typeof options === 'object' ? options.name : undefined));
}

module.exports = { Cache, createCache };
