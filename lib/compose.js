'use strict';
/**
 * Composition: `wrap(...policies)` runs a call through policy instances, outermost first
 * (cockatiel style). Every policy here has `execute(fn, signal?)`.
 *
 * The signal is threaded through the layers only when the caller passes one or `fn` declares a
 * parameter: a layer function that declares one would make an inner timeout build an
 * AbortController (microseconds) that nobody reads.
 * @module compose
 */
const v = require('./validate');

/**
 * Runs `fn` through `layers` (outermost first).
 * @template T
 * @param {ReadonlyArray<{ execute(fn: Function, signal?: AbortSignal): Promise<any> }>} layers
 * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
 * @param {AbortSignal} [signal]
 * @returns {Promise<T>}
 */
function runLayers(layers, fn, signal) {
  if (signal !== undefined || fn.length > 0) {
    let next = fn;
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i];
      const inner = next;
      next = (s) => layer.execute(inner, s);
    }
    return next(signal);
  }
  let next = fn;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    const inner = next;
    next = () => layer.execute(inner);
  }
  return next();
}

/** Policies composed by `wrap`. */
class Wrapped {
  /** @param {ReadonlyArray<{ execute: Function }>} layers outermost first */
  constructor(layers) {
    /** The composed policies, outermost first. */
    this.policies = Object.freeze([...layers]);
  }

  /**
   * Runs `fn` through every policy, outermost first. Never throws synchronously.
   * @template T
   * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
   * @param {AbortSignal} [signal]
   * @returns {Promise<T>}
   */
  execute(fn, signal) {
    if (typeof fn !== 'function') return Promise.reject(new TypeError(`wrap(...).execute(): fn must be a function, got ${v.show(fn)}`));
    try {
      return runLayers(this.policies, fn, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * Composes policy instances (CircuitBreaker, RetryPolicy, Timeout, Bulkhead, Fallback, or any
 * object with `execute(fn, signal?)`, including another `wrap`), outermost first:
 * `wrap(fallback, retry, breaker, bulkhead, timeout).execute(fn)`.
 * @param {...{ execute: Function }} policies
 * @returns {Wrapped}
 */
function wrap(...policies) {
  policies.forEach((p, i) => {
    if (p === null || typeof p !== 'object' || typeof p.execute !== 'function') {
      v.fail(TypeError, 'wrap()', `policies[${i}]`, 'a policy with an execute(fn, signal) method', p);
    }
  });
  return new Wrapped(policies);
}

module.exports = { wrap, runLayers, Wrapped };
