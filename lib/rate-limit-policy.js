'use strict';
/**
 * The `rateLimit` part of a policy object: `{ limit, interval, burst?, wait?, maxWait? }`. Without
 * `wait`, a call over the limit is rejected with `RateLimitedError` at once; with `wait: true` it
 * waits its turn (up to `maxWait` ms, else rejected at once).
 * @module rate-limit-policy
 */
const { limiterOptions: checkLimiterOptions } = require('./rate-limiter-options');
const { RateLimitedError } = require('./errors');
const v = require('./validate');

const KEYS = Object.freeze(['limit', 'interval', 'burst', 'wait', 'maxWait', 'clock', 'scope']);

/** A rate limiter as a policy layer (`execute(fn, signal?)`). */
class RateLimitPolicy {
  /**
   * @param {import('./rate-limiter').RateLimiter} limiter
   * @param {{ wait?: boolean, maxWait?: number }} [options]
   */
  constructor(limiter, options = {}) {
    /** The limiter. */
    this.limiter = limiter;
    this._wait = options.wait === true;
    this._maxWait = options.maxWait;
  }

  /**
   * Runs `fn` when the limit allows.
   * @template T
   * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
   * @param {AbortSignal} [signal]
   * @returns {Promise<T>}
   */
  execute(fn, signal) {
    const run = () => (signal === undefined ? fn() : fn(signal));
    if (!this._wait) {
      if (this.limiter.tryAcquire()) {
        try {
          return Promise.resolve(run());
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return Promise.reject(new RateLimitedError(this.limiter.name, this.limiter.retryAfter()));
    }
    const options = {};
    if (signal !== undefined) options.signal = signal;
    if (this._maxWait !== undefined) options.maxWait = this._maxWait;
    return this.limiter.acquire(1, options).then(run);
  }
}

/**
 * Validated rate-limit part: limiter options and waiting options.
 * @param {string} where
 * @param {unknown} spec
 */
function rateLimitSpec(where, spec) {
  const o = v.options(where, spec, KEYS, 'policy.rateLimit options');
  if (o.wait !== undefined && typeof o.wait !== 'boolean') v.fail(TypeError, where, 'policy.rateLimit.wait', 'a boolean', o.wait);
  const maxWait = o.maxWait === undefined ? undefined : v.time(where, 'policy.rateLimit.maxWait', o.maxWait);
  const limiterOptions = { limit: o.limit, interval: o.interval };
  if (o.burst !== undefined) limiterOptions.burst = o.burst;
  if (o.clock !== undefined) limiterOptions.clock = o.clock;
  if (o.scope !== undefined) limiterOptions.scope = o.scope;
  // Validate now (throws with the policy's call site); the limiter is built per name later.
  // (The manager names the limiter after the call name, so a name is taken as given here.)
  checkLimiterOptions(`${where} policy.rateLimit`, { name: 'policy', ...limiterOptions });
  return { limiterOptions, wait: o.wait === true, maxWait, key: JSON.stringify({ limit: o.limit, interval: o.interval, burst: o.burst ?? null, scope: o.scope ?? 'thread' }) };
}

module.exports = { RateLimitPolicy, rateLimitSpec };
