'use strict';
/**
 * Fallback: when a call fails, answer with something else.
 *
 * The fallback may be a function of the error, a handler object with `handle(error)` (seed 003's
 * custom handlers), or any other value, returned as is (seed 003's JSON fallback handler). A
 * fallback that throws or rejects makes the call reject with that error, never an unhandled rejection.
 * @module fallback
 */
const v = require('./validate');

function answer(fallback, error) {
  if (typeof fallback === 'function') return fallback(error);
  if (fallback !== null && typeof fallback === 'object' && typeof fallback.handle === 'function') return fallback.handle(error);
  return fallback;
}

/** A reusable fallback policy. */
class Fallback {
  /**
   * @param {unknown} fallback `(error) => value`, `{ handle(error) }`, or a static value
   * @param {{ when?: (error: unknown) => boolean }} [options] which errors to answer (default: all)
   */
  constructor(fallback, options) {
    if (fallback === undefined) v.fail(TypeError, 'new Fallback()', 'fallback', 'a function, a { handle } object or a value', fallback);
    const o = v.options('new Fallback()', options, ['when']);
    this._fallback = fallback;
    this._when = o.when === undefined ? undefined : v.func('new Fallback()', 'when', o.when);
  }

  /**
   * Runs `fn`; if it fails (and `when` agrees), resolves with the fallback's answer instead.
   * @template T, F
   * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
   * @param {AbortSignal} [signal]
   * @returns {Promise<T | F>}
   */
  execute(fn, signal) {
    if (typeof fn !== 'function') return Promise.reject(new TypeError(`Fallback.execute(): fn must be a function, got ${v.show(fn)}`));
    let result;
    try {
      result = signal === undefined ? fn() : fn(signal);
    } catch (error) {
      return this._recover(error);
    }
    return Promise.resolve(result).then(undefined, (error) => this._recover(error));
  }

  _recover(error) {
    try {
      if (this._when !== undefined && !this._when(error)) return Promise.reject(error);
      return Promise.resolve(answer(this._fallback, error));
    } catch (fallbackError) {
      return Promise.reject(fallbackError);
    }
  }
}

/**
 * Runs `fn`, answering with `fallback` when it fails.
 * @template T, F
 * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
 * @param {unknown} fallback `(error) => value`, `{ handle(error) }`, or a static value
 * @returns {Promise<T | F>}
 */
function withFallback(fn, fallback) {
  try {
    return new Fallback(fallback).execute(fn);
  } catch (error) {
    return Promise.reject(error);
  }
}

module.exports = { Fallback, withFallback };
