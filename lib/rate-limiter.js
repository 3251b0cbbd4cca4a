'use strict';
/**
 * A rate limiter: `limit` requests per `interval` ms, `burst` at once (GCRA, one lock-free native
 * cell). `tryAcquire(n)` is the synchronous hot path (one raw native call); `acquire(n, { signal,
 * maxWait })` waits its turn, first come first served; `retryAfter(n)` says how long until `n`
 * would be admitted.
 * @module rate-limiter
 */
const { NativeRateLimiter } = require('./native');
const { RateLimitedError } = require('./errors');
const { limiterOptions } = require('./rate-limiter-options');
const v = require('./validate');

/** A waiter for `acquire`. */
class Waiter {
  constructor(n, resolve, reject, signal) {
    this.n = n;
    this.resolve = resolve;
    this.reject = reject;
    this.signal = signal;
    this.onAbort = null;
  }
}

/** Limits how often something happens. */
class RateLimiter {
  /**
   * @param {{ limit: number, interval: number, burst?: number, name?: string, clock?: import('./clock').ManualClock }} options
   * @param {string} [where]
   */
  constructor(options, where = 'createRateLimiter()') {
    const s = limiterOptions(where, options);
    /** The limiter's name. */
    this.name = s.name ?? 'rateLimiter';
    /** Requests per interval. */
    this.limit = s.limit;
    /** The interval in ms. */
    this.interval = s.interval;
    /** Requests admitted at once. */
    this.burst = s.burst;
    /** `'thread'`, or `'process'`: one limit for every worker thread of the process. */
    this.scope = s.scope;
    const name = this.name; // (no `this` in the closure: it would share the constructor's context)
    this._native = v.native(where, () => new NativeRateLimiter(s.limit, s.interval, s.burst, s.clock ?? null, name, s.scope));
    this._clocked = s.clock !== undefined;
    const hot = this._native.hotFunctions();
    this._try = hot.tryAcquire;
    this._decide = hot.decide;
    this._waitMs = hot.waitMs;
    this._result = this._native.resultView();
    /** @type {Waiter[]} FIFO */
    this._queue = [];
    this._queuedUnits = 0;
    this._timer = null;
    this._allowed = 0;
    this._limited = 0;
    this._waited = 0;
    this._refused = 0;
  }

  _count(where, n) {
    if (n === undefined) return 1;
    const rule = `an integer in [1, burst = ${this.burst}] (more can never be admitted at once)`;
    if (typeof n !== 'number') v.fail(TypeError, where, 'n', rule, n);
    if (!Number.isInteger(n) || n < 1 || n > this.burst) v.fail(RangeError, where, 'n', rule, n);
    return n;
  }

  /**
   * Takes `n` now if the limit allows, else takes nothing. Synchronous. Calls waiting in `acquire`
   * go first: while any waits, this returns `false`.
   * @param {number} [n]
   * @returns {boolean}
   */
  tryAcquire(n) {
    if (n === undefined && this._queuedUnits === 0) {
      if (this._try()) {
        this._allowed++;
        return true;
      }
      this._limited++;
      return false;
    }
    const count = this._count('tryAcquire()', n);
    if (this._queuedUnits === 0 && this._try(count)) {
      this._allowed++;
      return true;
    }
    this._limited++;
    return false;
  }

  /**
   * Takes `n` if the limit allows, and says how things stand: `{ allowed, remaining, retryAfter,
   * reset }` (ms), as the keyed limiter's `consume` does. Synchronous.
   * @param {number} [n]
   * @returns {{ allowed: boolean, remaining: number, retryAfter: number, reset: number }}
   */
  consume(n) {
    const count = this._count('consume()', n);
    const allowed = this._queuedUnits === 0 && this._decide(count, 1);
    if (allowed) this._allowed++;
    else this._limited++;
    const r = this._result;
    if (!allowed && this._queuedUnits > 0) return { allowed, remaining: 0, retryAfter: this.retryAfter(count), reset: r[2] };
    return { allowed, remaining: r[0], retryAfter: r[1], reset: r[2] };
  }

  /**
   * Milliseconds until `n` would be admitted (0: now), counting the calls waiting ahead.
   * @param {number} [n]
   * @returns {number}
   */
  retryAfter(n) {
    return this._waitMs(this._queuedUnits + this._count('retryAfter()', n));
  }

  /**
   * Resolves when `n` are taken, in arrival order. A call that would wait longer than `maxWait`
   * ms is refused at once with `RateLimitedError` (its `retryAfter` says how long it would have
   * waited); aborting `signal` stops the wait with the abort reason.
   * @param {number} [n]
   * @param {{ signal?: AbortSignal, maxWait?: number }} [options]
   * @returns {Promise<void>}
   */
  acquire(n, options) {
    try {
      const count = this._count('acquire()', n);
      const o = v.options('acquire()', options, ['signal', 'maxWait']);
      const maxWait = o.maxWait === undefined ? Infinity : v.time('acquire()', 'maxWait', o.maxWait);
      const signal = o.signal;
      if (signal !== undefined && !(signal instanceof AbortSignal)) v.fail(TypeError, 'acquire()', 'signal', 'an AbortSignal', signal);
      if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
      if (this._queue.length === 0 && this._try(count)) {
        this._allowed++;
        return Promise.resolve();
      }
      const wait = this._waitMs(this._queuedUnits + count);
      if (wait > maxWait) {
        this._refused++;
        return Promise.reject(new RateLimitedError(this.name, wait));
      }
      return new Promise((resolve, reject) => {
        const waiter = new Waiter(count, resolve, reject, signal);
        if (signal !== undefined) {
          waiter.onAbort = () => this._leave(waiter, signal.reason);
          signal.addEventListener('abort', waiter.onAbort, { once: true });
        }
        this._queue.push(waiter);
        this._queuedUnits += count;
        this._waited++;
        if (this._queue.length === 1) this._schedule();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Arms one timer for the head of the queue. */
  _schedule() {
    if (this._timer !== null || this._queue.length === 0) return;
    const delay = Math.max(1, this._waitMs(this._queue[0].n));
    this._timer = setTimeout(() => {
      this._timer = null;
      this._drain();
    }, delay);
  }

  /** Admits waiters from the head while the limit allows. */
  _drain() {
    while (this._queue.length > 0) {
      const head = this._queue[0];
      if (!this._try(head.n)) break;
      this._queue.shift();
      this._queuedUnits -= head.n;
      if (head.onAbort !== null) head.signal.removeEventListener('abort', head.onAbort);
      this._allowed++;
      head.resolve();
    }
    this._schedule();
  }

  _leave(waiter, reason) {
    const i = this._queue.indexOf(waiter);
    if (i === -1) return;
    this._queue.splice(i, 1);
    this._queuedUnits -= waiter.n;
    waiter.reject(reason);
    if (i === 0) {
      if (this._timer !== null) clearTimeout(this._timer);
      this._timer = null;
      this._drain();
    }
  }

  /**
   * `{ name, limit, interval, burst, remaining, allowed, limited, waited, refused, waiting }`.
   */
  getMetrics() {
    const remaining = this._decide(1, 0) ? this._result[0] + 1 : 0;
    return {
      name: this.name,
      limit: this.limit,
      interval: this.interval,
      burst: this.burst,
      remaining,
      allowed: this._allowed,
      limited: this._limited,
      waited: this._waited,
      refused: this._refused,
      waiting: this._queue.length,
    };
  }
}

/** Named rate limiters of this thread. */
const limiters = new Map();

/**
 * A rate limiter: `limit` per `interval` ms (e.g. 50 per 10 s), `burst` at once (default `limit`).
 * With a `name`, the limiter is registered: asking again with the same settings returns it (so
 * calling this per request does not make a new limit each time); other settings throw a `RangeError`.
 * @param {{ limit: number, interval: number, burst?: number, name?: string }} options
 * @returns {RateLimiter}
 */
function createRateLimiter(options) {
  const where = v.site('createRateLimiter', options && typeof options === 'object' ? options.name : undefined);
  const s = limiterOptions(where, options);
  if (s.name === undefined) return new RateLimiter(options, where);
  const existing = limiters.get(s.name);
  if (existing === undefined) {
    const limiter = new RateLimiter(options, where);
    limiters.set(s.name, limiter);
    return limiter;
  }
  const differ = ['limit', 'interval', 'burst', 'scope'].filter((k) => existing[k] !== s[k]);
  if (differ.length > 0 || (s.clock !== undefined) !== (existing._clocked === true)) {
    throw new RangeError(`${where}: a rate limiter named ${JSON.stringify(s.name)} already exists with different settings (${differ.join(', ') || 'clock'})`);
  }
  return existing;
}

module.exports = { RateLimiter, createRateLimiter, limiters };
