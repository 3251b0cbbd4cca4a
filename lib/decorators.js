'use strict';
/**
 * Method decorators. Each works both as a TypeScript `experimentalDecorators` decorator
 * `(target, key, descriptor)` and as a standard (TC39, TypeScript 5) decorator `(value, context)`,
 * told apart at run time. Stacked decorators nest in source order: the top one is outermost.
 * The decorated method keeps its `this`, its arguments, its `name` and its `length`.
 *
 * Policies are built when the class is defined, so bad options fail there, once.
 * @module decorators
 */
const v = require('./validate');
const { createCircuitBreaker } = require('./registry');
const { RetryPolicy } = require('./retry');
const { Timeout } = require('./timeout');
const { createBulkhead } = require('./bulkhead');
const { Fallback } = require('./fallback');
const { resilienceManager } = require('./manager');
const { planOf } = require('./policy');
const { RateLimiter } = require('./rate-limiter');
const { RateLimitPolicy, rateLimitSpec } = require('./rate-limit-policy');
const { Cache } = require('./cache');
const { CachePolicy, cacheSpec } = require('./cache-policy');

/**
 * Makes `wrapper` look like `original` (name and length).
 * @template {Function} F
 * @param {F} wrapper
 * @param {Function} original
 * @returns {F}
 */
function lookLike(wrapper, original) {
  Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  return wrapper;
}

/**
 * A decorator that replaces a method by `protect(method)`, in either decorator mode.
 * @param {string} decoratorName for error messages
 * @param {(method: Function) => Function} protect
 */
function methodDecorator(decoratorName, protect) {
  return function decorate(target, context, descriptor) {
    const standard = typeof target === 'function' && context !== null && typeof context === 'object' && typeof context.kind === 'string';
    if (standard) {
      if (context.kind !== 'method') throw new TypeError(`@${decoratorName} decorates methods, not a ${context.kind}`);
      return lookLike(protect(target), target);
    }
    if (descriptor === undefined || descriptor === null || typeof descriptor.value !== 'function') {
      throw new TypeError(`@${decoratorName} decorates methods (with experimentalDecorators: (target, key, descriptor))`);
    }
    descriptor.value = lookLike(protect(descriptor.value), descriptor.value);
    return descriptor;
  };
}

/**
 * A protected method: `run(call)` where `call` invokes the original with the same `this` and args.
 * @param {(call: () => any) => Promise<any>} run
 */
function through(run) {
  return (method) =>
    function protectedMethod(...args) {
      return run(() => method.apply(this, args));
    };
}

/**
 * Runs the method under `resilienceManager.execute(name, ..., policy)`.
 * @param {string} name
 * @param {object} policy
 */
function WithResilience(name, policy) {
  const where = v.site('@WithResilience', name);
  v.name(where, 'name', name);
  planOf(where, policy);
  return methodDecorator('WithResilience', through((call) => resilienceManager.execute(name, call, policy)));
}

/**
 * Runs the method through the circuit breaker `name` (created, or shared, in the registry).
 * @param {string} name
 * @param {object} [options] circuit breaker options
 */
function WithCircuitBreaker(name, options) {
  const breaker = createCircuitBreaker(name, options);
  return methodDecorator('WithCircuitBreaker', through((call) => breaker.execute(call)));
}

/**
 * Retries the method per `config`.
 * @param {object} [config] retry config (e.g. `RetryPolicies.exponential()`)
 */
function WithRetry(config) {
  const policy = new RetryPolicy(config, '@WithRetry()');
  return methodDecorator('WithRetry', through((call) => policy.execute(call)));
}

/**
 * Rejects with `TimeoutError` when the method takes longer than `timeout`.
 * @param {number | { timeout: number, fallback?: Function, onTimeout?: Function }} timeout
 */
function WithTimeout(timeout) {
  const policy = new Timeout(timeout, '@WithTimeout()');
  return methodDecorator('WithTimeout', through((call) => policy.execute(call)));
}

/**
 * Runs at most `maxConcurrent` calls of the method at once (bulkhead `name`).
 * @param {string} name
 * @param {number} maxConcurrent
 * @param {number} [maxQueueSize]
 * @param {{ timeout?: number, scope?: 'thread' | 'process', onReject?: Function }} [options] as for `createBulkhead`
 */
function WithBulkhead(name, maxConcurrent, maxQueueSize = 0, options = undefined) {
  const bulkhead = createBulkhead(name, maxConcurrent, maxQueueSize, options);
  return methodDecorator('WithBulkhead', through((call) => bulkhead.execute(call)));
}

/**
 * Answers with `fallback` when the method fails.
 * @param {unknown} fallback `(error) => value`, `{ handle(error) }` or a value
 */
function WithFallback(fallback) {
  const policy = new Fallback(fallback);
  return methodDecorator('WithFallback', through((call) => policy.execute(call)));
}

/**
 * Limits how often the method runs: `WithRateLimit({ limit, interval, burst?, wait?, maxWait? })`
 * or `WithRateLimit(limiter, { wait?, maxWait? })`. Over the limit, the call rejects with
 * `RateLimitedError` (or waits its turn with `wait: true`).
 * @param {object | RateLimiter} limitOrLimiter
 * @param {{ wait?: boolean, maxWait?: number }} [options]
 */
function WithRateLimit(limitOrLimiter, options) {
  let policy;
  if (limitOrLimiter instanceof RateLimiter) {
    const o = options === undefined ? {} : options;
    policy = new RateLimitPolicy(limitOrLimiter, rateLimitSpec('@WithRateLimit()', { limit: limitOrLimiter.limit, interval: limitOrLimiter.interval, ...o }));
  } else {
    const spec = rateLimitSpec('@WithRateLimit()', limitOrLimiter);
    policy = new RateLimitPolicy(new RateLimiter(spec.limiterOptions, '@WithRateLimit()'), spec);
  }
  return methodDecorator('WithRateLimit', through((call) => policy.execute(call)));
}

/**
 * Caches the method's result by a key made from its arguments:
 * `WithCache({ key?: (...args) => string, ttl?, maxEntries?, staleWhileRevalidate?, name? })` or
 * `WithCache(cache, { key?, ttl? })`. The default key is the arguments as JSON. Concurrent calls
 * with one key share one run; a failure is not cached.
 * @param {object | Cache} optionsOrCache
 * @param {{ key?: Function, ttl?: number }} [options]
 */
function WithCache(optionsOrCache, options) {
  let policy;
  if (optionsOrCache instanceof Cache) {
    const o = v.options('@WithCache()', options, ['key', 'ttl']);
    if (o.key !== undefined) v.func('@WithCache()', 'key', o.key);
    policy = new CachePolicy(optionsOrCache, o);
  } else {
    const o = v.options('@WithCache()', optionsOrCache, ['key', 'ttl', 'maxEntries', 'staleWhileRevalidate', 'policy', 'clock', 'name']);
    const { name, ...rest } = o;
    const spec = cacheSpec('@WithCache()', rest);
    policy = new CachePolicy(new Cache({ ...spec.settings, ...(name === undefined ? {} : { name }) }, '@WithCache()'), spec);
  }
  return methodDecorator(
    'WithCache',
    (method) =>
      function cachedMethod(...args) {
        return policy.execute(() => method.apply(this, args), undefined, args);
      },
  );
}

module.exports = { WithResilience, WithCircuitBreaker, WithRetry, WithTimeout, WithBulkhead, WithFallback, WithRateLimit, WithCache, methodDecorator };
