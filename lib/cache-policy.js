'use strict';
/**
 * The `cache` part of a policy object — `{ key?, ttl?, maxEntries?, staleWhileRevalidate?,
 * policy? }` — and the `CachePolicy` layer. A hit answers without running anything inside; a miss
 * fetches through the layers inside it (retry, breaker, ...), once per key however many callers
 * miss together; a failed fetch is not cached. In a composed policy the cache sits just inside the
 * fallback, so a fallback's answer is never cached.
 * @module cache-policy
 */
const { cacheSettings } = require('./cache-options');
const v = require('./validate');

const KEYS = Object.freeze(['key', 'ttl', 'maxEntries', 'staleWhileRevalidate', 'policy', 'clock']);

/** The default key of a decorated method: its arguments as JSON. */
function argumentsKey(...args) {
  return JSON.stringify(args);
}

/** A cache as a policy layer (`execute(fn, signal?)`). */
class CachePolicy {
  /**
   * @param {import('./cache').Cache} cache
   * @param {{ key?: (...args: any[]) => string | number, ttl?: number }} [options]
   * @param {string|number} [fixedKey] the key when `key` is not given (a policy's name)
   */
  constructor(cache, options = {}, fixedKey = undefined) {
    /** The cache. */
    this.cache = cache;
    this._key = options.key;
    this._ttl = options.ttl;
    this._fixedKey = fixedKey;
  }

  /**
   * The cached value for the key, or `fn`'s result (cached).
   * @template T
   * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
   * @param {AbortSignal} [signal]
   * @param {any[]} [args] what the key function is called with
   * @returns {Promise<T>}
   */
  execute(fn, signal, args = []) {
    let key;
    try {
      key = this._key === undefined ? this._fixedKey ?? argumentsKey(...args) : this._key(...args);
    } catch (error) {
      return Promise.reject(error);
    }
    const options = {};
    if (signal !== undefined) options.signal = signal;
    if (this._ttl !== undefined) options.ttl = this._ttl;
    return this.cache.getOrFetch(key, () => (signal === undefined ? fn() : fn(signal)), options);
  }
}

/**
 * Validated cache part: cache settings (`maxEntries` default 1000) and the key/ttl to use.
 * @param {string} where
 * @param {unknown} spec
 */
function cacheSpec(where, spec) {
  const o = v.options(where, spec, KEYS, 'policy.cache options');
  if (o.key !== undefined) v.func(where, 'policy.cache.key', o.key);
  const settings = { maxEntries: o.maxEntries === undefined ? 1000 : o.maxEntries };
  for (const k of ['ttl', 'staleWhileRevalidate', 'policy', 'clock']) if (o[k] !== undefined) settings[k] = o[k];
  const checked = cacheSettings(settings, `${where} policy.cache`);
  return {
    settings,
    key: o.key,
    identity: JSON.stringify({ maxEntries: checked.maxEntries, ttl: checked.ttl, swr: checked.staleWhileRevalidate, policy: checked.policy }),
  };
}

module.exports = { CachePolicy, cacheSpec, argumentsKey };
