'use strict';
/**
 * `resilienceManager`: named, composed protection. `execute(name, fn, policy)` builds the stateful
 * parts of `policy` (circuit breaker, rate limiter, bulkhead) once per name and runs the call through every part,
 * outermost first: **fallback → cache → retry → circuit breaker → rate limit → bulkhead → timeout
 * (per attempt) → fn**.
 *
 * Per name, the breaker and bulkhead are built on first use (in `circuitBreakerRegistry` and the
 * named-bulkhead registry, so `createCircuitBreaker(name)` / `createBulkhead(name)` with the same
 * settings share them) and used by every later call with that name; a later call whose breaker or
 * bulkhead settings differ is refused with a `RangeError`
 * naming them (state under one name has one configuration). The stateless parts — fallback, retry,
 * timeout — are taken from each call's own policy object, so a fallback closing over request data
 * is always the current one.
 * @module manager
 */
const v = require('./validate');
const { planOf } = require('./policy');
const { runLayers } = require('./compose');
const { namedBulkhead, bulkheads } = require('./bulkhead');
const { circuitBreakerRegistry } = require('./registry');
const { CircuitState } = require('./breaker');
const { RateLimiter } = require('./rate-limiter');
const { RateLimitPolicy } = require('./rate-limit-policy');
const { Cache } = require('./cache');
const { CachePolicy } = require('./cache-policy');

/** Named composed policies, and the health of everything they protect. */
class ResilienceManager {
  /** @param {import('./registry').CircuitBreakerRegistry} [registry] where breakers are registered */
  constructor(registry = circuitBreakerRegistry) {
    this._registry = registry;
    /** @type {Map<string, { name: string, breaker: any, breakerKey: string, bulkhead: Bulkhead|undefined, bulkheadKey: string, layers: WeakMap<object, any[]> }>} */
    this._entries = new Map();
  }

  /**
   * Runs `fn` under `policy`, with the state kept under `name`. Never throws synchronously.
   * @template T
   * @param {string} name
   * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
   * @param {object} [policy] `{ circuitBreaker?, retry?, timeout?, bulkhead?, fallback? }`
   * @param {AbortSignal} [signal] passed through every layer to `fn`
   * @returns {Promise<T>}
   */
  execute(name, fn, policy = {}, signal) {
    try {
      // The happy path checks types inline; the call-site text is built only for an error or on
      // a first use (building it per call would cost more than a whole breaker call).
      const entry = typeof name === 'string' ? this._entries.get(name) : undefined;
      if (entry !== undefined && typeof fn === 'function' && signal === undefined && entry.lastPolicy === policy) {
        return runLayers(entry.lastLayers, fn, signal);
      }
      return this._executeChecked(name, fn, policy, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  _executeChecked(name, fn, policy, signal) {
    const where = v.site('resilienceManager.execute', name);
    v.name(where, 'name', name);
    v.func(where, 'fn', fn);
    if (signal !== undefined && !(signal instanceof AbortSignal)) v.fail(TypeError, where, 'signal', 'an AbortSignal', signal);
    const plan = planOf(where, policy);
    const entry = this._entry(where, name, plan);
    let layers = entry.layers.get(plan);
    if (layers === undefined) {
      const rateLimit = entry.limiter === undefined ? undefined : new RateLimitPolicy(entry.limiter, plan.rateLimit);
      const cache = entry.cache === undefined ? undefined : new CachePolicy(entry.cache, plan.cache, name);
      layers = [plan.fallback, cache, plan.retry, entry.breaker, rateLimit, entry.bulkhead, plan.timeout].filter((l) => l !== undefined);
      entry.layers.set(plan, layers);
    }
    entry.lastPolicy = policy;
    entry.lastLayers = layers;
    return runLayers(layers, fn, signal);
  }

  _entry(where, name, plan) {
    let entry = this._entries.get(name);
    if (entry === undefined) {
      entry = {
        name,
        breaker: plan.circuitBreaker === undefined ? undefined : this._registry.create(name, plan.circuitBreaker, where),
        breakerKey: plan.breakerKey,
        bulkhead: plan.bulkhead === undefined ? undefined : namedBulkhead({ name, ...plan.bulkhead }, where),
        bulkheadKey: plan.bulkheadKey,
        limiter: plan.rateLimit === undefined ? undefined : new RateLimiter({ ...plan.rateLimit.limiterOptions, name }, where),
        rateLimitKey: plan.rateLimitKey,
        cache: plan.cache === undefined ? undefined : new Cache({ ...plan.cache.settings, name }, where),
        cacheKey: plan.cacheKey,
        layers: new WeakMap(),
        lastPolicy: undefined,
        lastLayers: undefined,
      };
      this._entries.set(name, entry);
      return entry;
    }
    const differs = [];
    if (entry.breakerKey !== plan.breakerKey) differs.push('circuitBreaker');
    if (entry.bulkheadKey !== plan.bulkheadKey) differs.push('bulkhead');
    if (entry.rateLimitKey !== plan.rateLimitKey) differs.push('rateLimit');
    if (entry.cacheKey !== plan.cacheKey) differs.push('cache');
    if (differs.length > 0) {
      throw new RangeError(`${where}: the ${differs.join(' and ')} settings differ from those "${name}" was first built with; use another name, or resilienceManager.remove("${name}") first`);
    }
    return entry;
  }

  /**
   * The stateful parts built for `name`, if any.
   * @param {string} name
   * @returns {{ circuitBreaker: any, bulkhead: any, rateLimiter: RateLimiter|undefined } | undefined}
   */
  get(name) {
    const entry = this._entries.get(name);
    return entry === undefined ? undefined : { circuitBreaker: entry.breaker, bulkhead: entry.bulkhead, rateLimiter: entry.limiter, cache: entry.cache };
  }

  /**
   * Forgets `name` (and unregisters its breaker), so a later call builds it anew.
   * @param {string} name
   * @returns {boolean} whether there was one
   */
  remove(name) {
    const entry = this._entries.get(name);
    if (entry === undefined) return false;
    if (entry.breaker !== undefined && this._registry.get(name) === entry.breaker) this._registry.remove(name);
    if (entry.bulkhead !== undefined && bulkheads.get(name) === entry.bulkhead) bulkheads.delete(name);
    return this._entries.delete(name);
  }

  /**
   * The health of every circuit breaker (registered ones) and bulkhead (named ones):
   * `{ summary: { healthy, issues }, circuitBreakers: { total, byState }, bulkheads: [{ name, state }] }`.
   * Unhealthy: a breaker not CLOSED, or a bulkhead that is refusing new calls (no permit free and
   * its queue full).
   */
  getHealthStatus() {
    const issues = [];
    const byState = { [CircuitState.CLOSED]: 0, [CircuitState.OPEN]: 0, [CircuitState.HALF_OPEN]: 0 };
    const breakers = this._registry.getAll();
    for (const [name, breaker] of breakers) {
      const state = breaker.state;
      byState[state]++;
      if (state !== CircuitState.CLOSED) issues.push(`Circuit breaker "${name}" is ${state}`);
    }
    const seen = new Set();
    const list = [];
    const add = (bulkhead) => {
      if (bulkhead === undefined || seen.has(bulkhead)) return;
      seen.add(bulkhead);
      const state = bulkhead.state;
      list.push({ name: bulkhead.name, state });
      if (state.available === 0 && state.queued >= bulkhead.maxQueueSize) {
        issues.push(`Bulkhead "${bulkhead.name}" is full (${state.active} active, ${state.queued} queued): new calls are rejected`);
      }
    };
    for (const bulkhead of bulkheads.values()) add(bulkhead);
    return {
      summary: { healthy: issues.length === 0, issues },
      circuitBreakers: { total: breakers.size, byState },
      bulkheads: list,
    };
  }
}

/** The manager of this thread. */
const resilienceManager = new ResilienceManager();

module.exports = { ResilienceManager, resilienceManager };
