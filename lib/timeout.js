'use strict';
/**
 * Timeouts: `withTimeout(fn, ms | { timeout, fallback, onTimeout, name })` and `timeoutManager`.
 *
 * Built on `timed-call` (one shared timer per distinct time limit, an `AbortSignal` only for
 * functions that declare a parameter), so a timeout costs no timer and no AbortController per call.
 * Every call's outcome (success, timeout, failure) is counted in native cells under the policy's
 * name (`timeout_operations_total`): `withTimeout` without a name counts as `"withTimeout"`,
 * `new Timeout()` as `"timeout"`, a `timeoutManager` entry under its registered name.
 * @module timeout
 */
const { runTimed, isOwnTimeout } = require('./timed-call');
const { counterCells } = require('./metric-cells');
const v = require('./validate');

const SPEC_KEYS = Object.freeze(['timeout', 'fallback', 'onTimeout', 'name']);

/**
 * Checks a timeout given as ms or as `{ timeout, fallback, onTimeout, name }`.
 * @param {string} where
 * @param {unknown} spec
 * @returns {{ timeout: number, fallback: Function|undefined, onTimeout: Function|undefined, name: string|undefined }}
 */
function timeoutSpec(where, spec) {
  if (typeof spec === 'number') return { timeout: v.time(where, 'timeout', spec, 1), fallback: undefined, onTimeout: undefined, name: undefined };
  if (spec === null || typeof spec !== 'object') v.fail(TypeError, where, 'timeout', 'a number of ms or { timeout, fallback?, onTimeout?, name? }', spec);
  const o = v.options(where, spec, SPEC_KEYS);
  if (o.timeout === undefined) v.fail(TypeError, where, 'timeout', 'a finite number of ms in [1, 2147483647]', undefined);
  return {
    timeout: v.time(where, 'timeout', o.timeout, 1),
    fallback: o.fallback === undefined ? undefined : v.func(where, 'fallback', o.fallback),
    onTimeout: o.onTimeout === undefined ? undefined : v.func(where, 'onTimeout', o.onTimeout),
    name: o.name === undefined ? undefined : v.name(where, 'name', o.name),
  };
}

/**
 * Runs `fn` with a validated spec, counting its outcome in `cells`.
 * @param {Function} fn
 * @param {{ timeout: number, fallback?: Function, onTimeout?: Function }} spec
 * @param {AbortSignal | undefined} signal
 * @param {Int32Array} cells the policy name's counter cells (`metric-cells`)
 */
function runWithSpec(fn, spec, signal, cells) {
  const run = runTimed(fn, spec.timeout, signal, cells);
  if (spec.fallback === undefined && spec.onTimeout === undefined) return run;
  return run.catch((error) => {
    if (!isOwnTimeout(error)) throw error;
    if (spec.onTimeout !== undefined) spec.onTimeout(error.duration);
    if (spec.fallback === undefined) throw error;
    return spec.fallback(error);
  });
}

/** @type {Int32Array | null} this thread's cells for `withTimeout` calls without a name */
let withTimeoutCells = null;

/**
 * Runs `fn` and rejects with `TimeoutError` if it has not settled within the time limit, or
 * resolves to `fallback()` then (after calling `onTimeout(duration)`). `fn` receives an
 * `AbortSignal` that aborts at the deadline when it declares a parameter.
 * @template T
 * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
 * @param {number | { timeout: number, fallback?: () => T, onTimeout?: (duration: number) => void, name?: string }} timeout
 *   `name` counts the calls under that name in metrics (default `"withTimeout"`)
 * @returns {Promise<T>}
 */
function withTimeout(fn, timeout) {
  try {
    v.func('withTimeout()', 'fn', fn);
    const spec = timeoutSpec('withTimeout()', timeout);
    const cells = spec.name === undefined ? (withTimeoutCells ??= counterCells('timeout', 'withTimeout')) : counterCells('timeout', spec.name);
    return runWithSpec(fn, spec, undefined, cells);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A reusable timeout policy (`wrap`-able): `new Timeout(ms).execute(fn, signal?)`. */
class Timeout {
  /**
   * @param {number | { timeout: number, fallback?: Function, onTimeout?: Function, name?: string }} timeout
   * @param {string} [where] call site for error messages
   * @param {string} [defaultName] metrics name when the spec has none (internal)
   */
  constructor(timeout, where = 'new Timeout()', defaultName = 'timeout') {
    this._spec = timeoutSpec(where, timeout);
    /** The time limit in ms. */
    this.timeout = this._spec.timeout;
    /** The name its calls are counted under in `timeout_operations_total`. */
    this.name = this._spec.name ?? defaultName;
    this._cells = counterCells('timeout', this.name);
  }

  /**
   * Runs `fn` under this time limit.
   * @template T
   * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
   * @param {AbortSignal} [signal] combined with the deadline's signal for `fn`
   * @returns {Promise<T>}
   */
  execute(fn, signal) {
    if (typeof fn !== 'function') return Promise.reject(new TypeError(`Timeout.execute(): fn must be a function, got ${v.show(fn)}`));
    return runWithSpec(fn, this._spec, signal, this._cells);
  }
}

/** Named timeout settings: register once, execute by name. */
class TimeoutManager {
  constructor() {
    /** @type {Map<string, Timeout>} */
    this._timeouts = new Map();
  }

  /**
   * Registers (or replaces) the settings called `name`.
   * @param {string} name
   * @param {{ timeout: number, fallback?: Function, onTimeout?: Function } | number} config
   * @returns {Timeout}
   */
  register(name, config) {
    const where = v.site('timeoutManager.register', name);
    v.name(where, 'name', name);
    const spec = typeof config === 'number' ? config : { ...v.options(where, config, ['timeout', 'fallback', 'onTimeout'], 'config') };
    const policy = new Timeout(spec, 'new Timeout()', name);
    this._timeouts.set(name, policy);
    return policy;
  }

  /**
   * The settings called `name`, or `undefined`.
   * @param {string} name
   */
  get(name) {
    const t = this._timeouts.get(name);
    return t === undefined ? undefined : { timeout: t.timeout };
  }

  /**
   * Runs `fn` under the timeout registered as `name` (a `RangeError` if there is none).
   * @template T
   * @param {string} name
   * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
   * @returns {Promise<T>}
   */
  execute(name, fn) {
    const policy = this._timeouts.get(name);
    if (policy === undefined) {
      return Promise.reject(new RangeError(`timeoutManager.execute(${JSON.stringify(name)}): no timeout registered under this name`));
    }
    return policy.execute(fn);
  }

  /**
   * Forgets the settings called `name`.
   * @param {string} name
   */
  unregister(name) {
    return this._timeouts.delete(name);
  }
}

/** The timeout manager of this thread. */
const timeoutManager = new TimeoutManager();

module.exports = { withTimeout, Timeout, TimeoutManager, timeoutManager, timeoutSpec };
