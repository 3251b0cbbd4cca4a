'use strict';
/**
 * Option checks of the cache: `createCache` / `new Cache` settings, a `set` ttl, `getOrFetch`
 * options. Each throws a `TypeError` or `RangeError` naming the call, the option, the rule and the
 * value (`createCache(): maxEntries must be an integer in [1, 2147483647], got 0`).
 * @module cache-options
 */
const { clockOption } = require('./clock');
const v = require('./validate');

const KNOWN = Object.freeze(['name', 'maxEntries', 'ttl', 'staleWhileRevalidate', 'policy', 'clock']);
const POLICIES = Object.freeze(['tinylfu', 'lru']);

/**
 * Validated cache settings (nothing is built).
 * @param {unknown} options
 * @param {string} [where] call site for messages (default `new Cache("name")`)
 * @returns {{ name: string, maxEntries: number, ttl: number, staleWhileRevalidate: number, policy: 'tinylfu' | 'lru', clock: import('./clock').ManualClock | undefined }}
 */
function cacheSettings(options, where) {
  const site = where ?? v.site('new Cache', options && typeof options === 'object' ? options.name : undefined);
  const o = v.options(site, options, KNOWN);
  if (o.maxEntries === undefined) v.fail(TypeError, site, 'maxEntries', 'an integer in [1, 2147483647]', undefined);
  if (o.policy !== undefined && !POLICIES.includes(o.policy)) {
    v.fail(typeof o.policy === 'string' ? RangeError : TypeError, site, 'policy', "'tinylfu' or 'lru'", o.policy);
  }
  return {
    name: o.name === undefined ? 'cache' : v.name(site, 'name', o.name),
    maxEntries: v.count(site, 'maxEntries', o.maxEntries, 1),
    ttl: o.ttl === undefined ? 0 : v.time(site, 'ttl', o.ttl),
    staleWhileRevalidate: o.staleWhileRevalidate === undefined ? 0 : v.time(site, 'staleWhileRevalidate', o.staleWhileRevalidate),
    policy: o.policy ?? 'tinylfu',
    clock: clockOption(site, o.clock),
  };
}

/**
 * The ttl of a `set`: a number of ms, or `{ ttl }` (absent: `fallback`).
 * @param {string} where
 * @param {unknown} options
 * @param {number} fallback the cache's default ttl
 * @returns {number}
 */
function ttlOption(where, options, fallback) {
  if (typeof options === 'number') return v.time(where, 'ttl', options);
  const o = v.options(where, options, ['ttl']);
  return o.ttl === undefined ? fallback : v.time(where, 'ttl', o.ttl);
}

/**
 * `getOrFetch` options: `{ signal?, ttl? }`.
 * @param {string} where
 * @param {unknown} options
 * @param {number} fallback the cache's default ttl
 * @returns {{ signal: AbortSignal | undefined, ttl: number }}
 */
function fetchOptions(where, options, fallback) {
  const o = v.options(where, options, ['signal', 'ttl']);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) v.fail(TypeError, where, 'signal', 'an AbortSignal', o.signal);
  return { signal: o.signal, ttl: o.ttl === undefined ? fallback : v.time(where, 'ttl', o.ttl) };
}

module.exports = { cacheSettings, ttlOption, fetchOptions };
