'use strict';
/**
 * `circuitBreakerRegistry`: the breakers of this thread by name, their health, and one
 * `stateChange` stream for all of them. `createCircuitBreaker` registers here too.
 * @module registry
 */
const { SafeEmitter } = require('./events');
const { CircuitBreaker, CircuitState } = require('./breaker');
const { metrics } = require('./metrics');
const v = require('./validate');

/**
 * Names the settings in which two signatures differ.
 * @param {string} a
 * @param {string} b
 */
function conflicts(a, b) {
  const x = JSON.parse(a);
  const y = JSON.parse(b);
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
}

/** Breakers by name, with their health and a `stateChange` event for all of them. */
class CircuitBreakerRegistry extends SafeEmitter {
  constructor() {
    super();
    /** @type {Map<string, CircuitBreaker>} */
    this._breakers = new Map();
  }

  /**
   * The breaker called `name`; when there is none, one is built from `factory()`'s options.
   * @param {string} name
   * @param {() => object} [factory] returns the options (called only when the breaker is new)
   * @returns {CircuitBreaker}
   */
  getOrCreate(name, factory) {
    const where = v.site('circuitBreakerRegistry.getOrCreate', name);
    v.name(where, 'name', name);
    const existing = this._breakers.get(name);
    if (existing !== undefined) return existing;
    if (factory !== undefined) v.func(where, 'factory', factory);
    return this._add(new CircuitBreaker(name, factory === undefined ? undefined : factory(), where));
  }

  /**
   * The breaker called `name`, built from `options` when new. Asking again with the same settings
   * returns the same breaker; with different settings throws a `RangeError` naming them.
   * @param {string} name
   * @param {object} [options]
   * @param {string} [where]
   * @returns {CircuitBreaker}
   */
  create(name, options, where = v.site('createCircuitBreaker', name)) {
    v.name(where, 'name', name);
    const existing = this._breakers.get(name);
    const breaker = new CircuitBreaker(name, options, where);
    if (existing === undefined) return this._add(breaker);
    if (existing._signature !== breaker._signature) {
      throw new RangeError(
        `${where}: a breaker named ${JSON.stringify(name)} already exists with different settings (${conflicts(existing._signature, breaker._signature).join(', ')})`,
      );
    }
    return existing;
  }

  _add(breaker) {
    breaker._registry = this;
    this._breakers.set(breaker.name, breaker);
    return breaker;
  }

  /**
   * The breaker called `name`, or `undefined`.
   * @param {string} name
   * @returns {CircuitBreaker | undefined}
   */
  get(name) {
    return this._breakers.get(name);
  }

  /**
   * Every breaker, by name (a copy).
   * @returns {Map<string, CircuitBreaker>}
   */
  getAll() {
    return new Map(this._breakers);
  }

  /**
   * Forgets the breaker called `name` (it keeps working for whoever holds it).
   * @param {string} name
   * @returns {boolean} whether there was one
   */
  remove(name) {
    const breaker = this._breakers.get(name);
    if (breaker === undefined) return false;
    breaker._registry = null;
    return this._breakers.delete(name);
  }

  /**
   * How many breakers are CLOSED (healthy) and not (unhealthy), and each one's state.
   * @returns {{ healthy: number, unhealthy: number, breakers: Array<{ name: string, state: string }> }}
   */
  getHealthStatus() {
    const breakers = [];
    let healthy = 0;
    for (const [name, breaker] of this._breakers) {
      const state = breaker.state;
      if (state === CircuitState.CLOSED) healthy++;
      breakers.push({ name, state });
    }
    return { healthy, unhealthy: breakers.length - healthy, breakers };
  }

  /**
   * Every metric of the process as Prometheus text (the same text as the package's `metrics()`:
   * breakers of every registry and thread, bulkheads, retries, timeouts). Enables metrics.
   * @returns {string}
   */
  metrics() {
    return metrics();
  }

  /** Resets every breaker to CLOSED. */
  resetAll() {
    for (const breaker of this._breakers.values()) breaker.reset();
  }
}

/** The registry of this thread. */
const circuitBreakerRegistry = new CircuitBreakerRegistry();

/**
 * Creates (or returns the existing, same-settings) breaker called `name`, registered in
 * `circuitBreakerRegistry`.
 * @param {string} name
 * @param {object} [options]
 * @returns {CircuitBreaker}
 */
function createCircuitBreaker(name, options) {
  return circuitBreakerRegistry.create(name, options, v.site('createCircuitBreaker', name));
}

module.exports = { CircuitBreakerRegistry, circuitBreakerRegistry, createCircuitBreaker };
