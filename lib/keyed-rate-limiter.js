'use strict';
/**
 * A rate limit per key (user, IP, API key): `consume(key, n)` → `{ allowed, remaining, retryAfter,
 * reset }`, synchronous. Cells live natively, sharded; memory is bounded by `maxKeys` — keys whose
 * bucket has fully recovered are dropped first (an `unref()`ed sweep also drops them over time),
 * then `whenFull` decides: `'evict-lru'` (default) or `'reject'` new keys.
 * @module keyed-rate-limiter
 */
const { NativeKeyedLimiter } = require('./native');
const { limiterOptions } = require('./rate-limiter-options');
const v = require('./validate');

const MAX_KEY_LENGTH = 1024;

/** Rate limits per key. */
class KeyedRateLimiter {
  /**
   * @param {{ limit: number, interval: number, burst?: number, maxKeys?: number, whenFull?: 'evict-lru'|'reject', sweepInterval?: number, name?: string, clock?: import('./clock').ManualClock }} options
   * @param {string} [where]
   */
  constructor(options, where = 'createKeyedRateLimiter()') {
    const s = limiterOptions(where, options, ['maxKeys', 'whenFull', 'sweepInterval']);
    const o = s.o;
    /** The limiter's name. */
    this.name = s.name ?? 'keyedRateLimiter';
    /** Requests per interval, per key. */
    this.limit = s.limit;
    /** The interval in ms. */
    this.interval = s.interval;
    /** Requests admitted at once, per key. */
    this.burst = s.burst;
    /** Keys remembered at most. */
    this.maxKeys = o.maxKeys === undefined ? 100000 : v.count(where, 'maxKeys', o.maxKeys, 1);
    const whenFull = o.whenFull === undefined ? 'evict-lru' : o.whenFull;
    if (whenFull !== 'evict-lru' && whenFull !== 'reject') v.fail(TypeError, where, 'whenFull', "'evict-lru' or 'reject'", whenFull);
    /** What a full limiter does with a new key. */
    this.whenFull = whenFull;
    /** `'thread'`, or `'process'`: one set of per-key limits for every worker thread of the process. */
    this.scope = s.scope;
    // (No `this` in the closure: V8 would keep it in the context the sweep callback below shares,
    // and a dropped limiter could never be collected.)
    const nativeOptions = { limit: s.limit, intervalMs: s.interval, burst: s.burst, maxKeys: this.maxKeys, whenFull, name: this.name, scope: s.scope };
    const clock = s.clock ?? null;
    this._native = v.native(where, () => new NativeKeyedLimiter(nativeOptions, clock));
    const hot = this._native.hotFunctions();
    this._consume = hot.consume;
    this._peek = hot.peek;
    this._result = this._native.resultView();
    const sweepEvery = o.sweepInterval === undefined ? Math.min(60000, Math.max(1000, s.interval)) : v.time(where, 'sweepInterval', o.sweepInterval, 1);
    // The sweep holds the limiter only weakly: a limiter dropped without close() is collected, and
    // its sweep stops.
    const self = new WeakRef(this);
    const sweeper = setInterval(() => {
      const limiter = self.deref();
      if (limiter === undefined) clearInterval(sweeper);
      else limiter._native.sweep();
    }, sweepEvery);
    sweeper.unref();
    this._sweeper = sweeper;
  }

  _key(where, key) {
    if (typeof key === 'number' && Number.isFinite(key)) return String(key);
    if (typeof key !== 'string') v.fail(TypeError, where, 'key', 'a string or a finite number', key);
    if (key.length > MAX_KEY_LENGTH) v.fail(RangeError, where, 'key', `at most ${MAX_KEY_LENGTH} characters long`, `a string of ${key.length}`);
    return key;
  }

  _n(where, n) {
    if (n === undefined) return 1;
    const rule = `an integer in [1, burst = ${this.burst}]`;
    if (typeof n !== 'number') v.fail(TypeError, where, 'n', rule, n);
    if (!Number.isInteger(n) || n < 1 || n > this.burst) v.fail(RangeError, where, 'n', rule, n);
    return n;
  }

  _answer(allowed) {
    const r = this._result;
    return { allowed, remaining: r[0], retryAfter: r[1], reset: r[2] };
  }

  /**
   * Takes `n` for `key` if its limit allows. `retryAfter` and `reset` are in ms.
   * @param {string|number} key
   * @param {number} [n]
   * @returns {{ allowed: boolean, remaining: number, retryAfter: number, reset: number }}
   */
  consume(key, n) {
    const k = typeof key === 'string' && key.length <= MAX_KEY_LENGTH ? key : this._key('consume()', key);
    return this._answer(n === undefined ? this._consume(k) : this._consume(k, this._n('consume()', n)));
  }

  /**
   * What `consume(key, n)` would answer, taking nothing.
   * @param {string|number} key
   * @param {number} [n]
   */
  peek(key, n) {
    return this._answer(this._peek(this._key('peek()', key), this._n('peek()', n)));
  }

  /**
   * Forgets `key` (its next request starts with a full bucket).
   * @param {string|number} key
   * @returns {boolean} whether it was known
   */
  delete(key) {
    return this._native.delete(this._key('delete()', key));
  }

  /** Keys remembered now. */
  get size() {
    return this._native.size();
  }

  /** Stops the background sweep (the limiter keeps working; recovered keys are still reused). */
  close() {
    clearInterval(this._sweeper);
  }
}

/**
 * A rate limit per key: `limit` per `interval` ms for each key, at most `maxKeys` keys.
 * @param {{ limit: number, interval: number, burst?: number, maxKeys?: number, whenFull?: 'evict-lru'|'reject', name?: string }} options
 * @returns {KeyedRateLimiter}
 */
function createKeyedRateLimiter(options) {
  return new KeyedRateLimiter(options, v.site('createKeyedRateLimiter', options && typeof options === 'object' ? options.name : undefined));
}

module.exports = { KeyedRateLimiter, createKeyedRateLimiter };
