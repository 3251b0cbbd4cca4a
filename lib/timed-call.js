'use strict';
/**
 * One call raced against a deadline: the primitive behind `withTimeout` and the breaker's
 * per-call `timeout`.
 *
 * `fn` gets an `AbortSignal` (aborted at the deadline with the `TimeoutError`) only when it
 * declares a parameter: building an AbortController costs microseconds, so a function that cannot
 * take the signal does not pay for one.
 * @module timed-call
 */
const { TimeoutError } = require('./errors');
const { deadlineList } = require('./deadline');
const { TIMEOUT_SUCCESS, TIMEOUT_EXPIRED, TIMEOUT_FAILURE, bump } = require('./metric-cells');

/** Marks TimeoutErrors raised by our own deadlines (a user's TimeoutError is just an error). */
const OWN_TIMEOUT = Symbol('bulwark.ownTimeout');

class TimedCall {
  constructor(resolve, reject, cells) {
    this.resolve = resolve;
    this.reject = reject;
    /** @type {Int32Array | null} counter cells of the timeout policy (`metric-cells`), or null */
    this.cells = cells;
    this.deadline = 0;
    this.prev = null;
    this.next = null;
    this.list = null;
    /** @type {AbortController|null} */
    this.controller = null;
    this.settled = false;
  }

  /** @returns {AbortSignal} */
  signal() {
    if (this.controller === null) this.controller = new AbortController();
    return this.controller.signal;
  }

  succeed(value) {
    if (this.settled) return;
    this.settled = true;
    this.list.remove(this);
    if (this.cells !== null) bump(this.cells, TIMEOUT_SUCCESS);
    this.resolve(value);
  }

  fail(error) {
    if (this.settled) return;
    this.settled = true;
    this.list.remove(this);
    if (this.cells !== null) bump(this.cells, TIMEOUT_FAILURE);
    this.reject(error);
  }

  /** Called by the deadline list when the time limit passes first. */
  expire() {
    if (this.settled) return;
    this.settled = true;
    const error = new TimeoutError(this.listMs);
    error[OWN_TIMEOUT] = true;
    if (this.cells !== null) bump(this.cells, TIMEOUT_EXPIRED);
    if (this.controller !== null) this.controller.abort(error);
    this.reject(error);
  }
}

/**
 * Runs `fn` and settles with its outcome, or rejects with a `TimeoutError` after `ms`.
 * @template T
 * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
 * @param {number} ms a validated time limit (> 0)
 * @param {AbortSignal} [outerSignal] also passed on (combined with the deadline's) when given
 * @param {Int32Array | null} [cells] a timeout policy's counter cells: the outcome (success,
 *   timeout, failure) is counted there
 * @returns {Promise<T>}
 */
function runTimed(fn, ms, outerSignal, cells = null) {
  return new Promise((resolve, reject) => {
    const call = new TimedCall(resolve, reject, cells);
    call.listMs = ms;
    deadlineList(ms).add(call);
    let result;
    let thenable;
    try {
      if (fn.length > 0) {
        const signal = outerSignal === undefined ? call.signal() : AbortSignal.any([call.signal(), outerSignal]);
        result = fn(signal);
      } else {
        result = fn();
      }
      // (A throwing `then` getter or a revoked Proxy fails the call like a sync throw.)
      thenable = result !== null && (typeof result === 'object' || typeof result === 'function') && typeof result.then === 'function';
    } catch (error) {
      call.fail(error);
      return;
    }
    if (thenable) {
      Promise.resolve(result).then(
        (value) => call.succeed(value),
        (error) => call.fail(error),
      );
    } else {
      call.succeed(result);
    }
  });
}

/**
 * Whether `error` is a TimeoutError raised by one of our deadlines.
 * @param {unknown} error
 */
function isOwnTimeout(error) {
  return error !== null && typeof error === 'object' && error[OWN_TIMEOUT] === true;
}

module.exports = { runTimed, isOwnTimeout };
