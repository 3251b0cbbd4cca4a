'use strict';
/**
 * Cache keys: what a key may be, and its 32-bit hash for the native frequency sketch.
 *
 * A key is a string of at most {@link MAX_KEY_LENGTH} characters or a finite number, compared as
 * a `Map` compares them (`1` and `'1'` are different keys; `0` and `-0` the same). The hash only
 * feeds frequency estimates: a collision makes an estimate a little high, never a wrong value.
 * @module cache-keys
 */
const { show } = require('./validate');

/** The longest string key, in UTF-16 code units. */
const MAX_KEY_LENGTH = 4096;

/**
 * Throws the error for a key that is not a valid cache key (does nothing for a valid one).
 * @param {string} where e.g. `Cache("users").set()`
 * @param {unknown} key
 */
function checkKey(where, key) {
  if (typeof key === 'string') {
    if (key.length > MAX_KEY_LENGTH) {
      throw new RangeError(`${where}: key must be a string of at most ${MAX_KEY_LENGTH} characters, got a string of ${key.length} characters`);
    }
    return;
  }
  if (typeof key === 'number') {
    if (!Number.isFinite(key)) throw new RangeError(`${where}: key must be a finite number, got ${key}`);
    return;
  }
  throw new TypeError(`${where}: key must be a string or a number, got ${show(key)}`);
}

/**
 * FNV-1a over the UTF-16 code units of `s`.
 * @param {string} s
 * @returns {number} an int32
 */
function hashString(s) {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * The 32-bit hash of a valid key.
 * @param {string | number} key
 * @returns {number} an int32
 */
function hashKey(key) {
  if (typeof key === 'string') return hashString(key);
  if ((key | 0) === key) return Math.imul(key ^ 0x27d4eb2d, 0x9e3779b1 | 0);
  return hashString(String(key));
}

module.exports = { MAX_KEY_LENGTH, checkKey, hashKey };
