'use strict';
/**
 * Bulkhead: at most `maxConcurrent` executions at once, up to `maxQueueSize` waiting (FIFO), the
 * rest rejected with `BULKHEAD_QUEUE_FULL`; a queued call that waits past `timeout` is rejected
 * with `BULKHEAD_QUEUE_TIMEOUT`.
 *
 * Permits and counters live in native memory (`engine::bulkhead`); this shim takes and returns
 * permits on an `Int32Array` view of it, so a call costs no native call. This thread is the
 * cells' only writer, so plain typed-array updates are exact; native code only reads them. A permit is
 * released on every exit path: resolve, reject, sync throw, non-promise return; a queued call that
 * times out or is aborted leaves the queue without ever holding one. A finished call hands its
 * permit straight to the oldest waiter.
 * @module bulkhead
 */
const { NativeBulkhead } = require('./native');
const { SafeEmitter } = require('./events');
const { BulkheadRejectedError } = require('./errors');
const { deadlineList } = require('./deadline');
const v = require('./validate');

const AVAILABLE = 0;
const QUEUED = 1;
const COMPLETED = 2;
const REJECTED = 4;
const TIMED_OUT = 6;
const QUEUE_FULL = 'BULKHEAD_QUEUE_FULL';
const QUEUE_TIMEOUT = 'BULKHEAD_QUEUE_TIMEOUT';
const KNOWN = Object.freeze(['name', 'maxConcurrent', 'maxQueueSize', 'timeout', 'onReject', 'scope']);
/** Events checked on every call, as bits of `_listening`. */
const HOT_EVENTS = Object.freeze(['executionStarted', 'executionCompleted']);
const STARTED = 1;
const COMPLETED_EVENT = 2;

/**
 * Adds one to the split (low, high) counter at `i`. The cells of a bulkhead used by one thread
 * have one writer, so a plain typed-array increment is exact (and avoids a locked instruction).
 */
function bump(cells, i) {
  if (++cells[i] === 0) cells[i + 1]++;
}

/**
 * A rejected promise when `execute(fn, signal)` cannot run: `fn` not a function, `signal` not an
 * AbortSignal, or already aborted (its reason). `undefined` when the call may go ahead.
 */
function refuseCall(bulkhead, fn, signal) {
  if (typeof fn !== 'function') {
    return Promise.reject(new TypeError(`Bulkhead(${JSON.stringify(bulkhead.name)}).execute(): fn must be a function, got ${v.show(fn)}`));
  }
  if (signal !== undefined) {
    if (!(signal instanceof AbortSignal)) {
      return Promise.reject(new TypeError(`Bulkhead(${JSON.stringify(bulkhead.name)}).execute(): signal must be an AbortSignal, got ${v.show(signal)}`));
    }
    if (signal.aborted) return Promise.reject(signal.reason);
  }
  return undefined;
}

function readCounter(cells, i) {
  return (cells[i + 1] >>> 0) * 4294967296 + (cells[i] >>> 0);
}

/**
 * Validated bulkhead settings (nothing is built).
 * @param {unknown} options
 * @param {string} [where]
 */
function bulkheadSettings(options, where) {
  const site = where ?? v.site('new Bulkhead', options && typeof options === 'object' ? options.name : undefined);
  const o = v.options(site, options, KNOWN);
  if (o.maxConcurrent === undefined) v.fail(TypeError, site, 'maxConcurrent', 'an integer in [1, 2147483647]', undefined);
  const scope = v.scope(site, o.scope);
  return {
    scope,
    name: o.name === undefined ? 'bulkhead' : v.name(site, 'name', o.name),
    maxConcurrent: v.count(site, 'maxConcurrent', o.maxConcurrent, 1),
    maxQueueSize: o.maxQueueSize === undefined ? 0 : v.count(site, 'maxQueueSize', o.maxQueueSize, 0),
    timeout: o.timeout === undefined ? 0 : v.time(site, 'timeout', o.timeout),
    onReject: o.onReject === undefined ? undefined : v.func(site, 'onReject', o.onReject),
  };
}

/** A call waiting for a permit; also its queue-timeout deadline entry. */
class Waiter {
  constructor(bulkhead, fn, signal, resolve, reject) {
    this.bulkhead = bulkhead;
    this.fn = fn;
    this.signal = signal;
    this.resolve = resolve;
    this.reject = reject;
    this.prevWaiting = null;
    this.nextWaiting = null;
    this.queued = true;
    // deadline-list links
    this.deadline = 0;
    this.prev = null;
    this.next = null;
    this.list = null;
    this.onAbort = null;
  }

  /** The queue timeout passed. */
  expire() {
    this.bulkhead._leaveQueue(this, QUEUE_TIMEOUT);
  }
}

/** Limits concurrent executions, with a bounded FIFO queue. */
class Bulkhead extends SafeEmitter {
  /**
   * @param {{ name?: string, maxConcurrent: number, maxQueueSize?: number, timeout?: number, onReject?: (reason: string) => void }} options
   * @param {string} [where] call site for error messages
   */
  constructor(options, where) {
    const s = bulkheadSettings(options, where);
    if (s.scope === 'process' && new.target === Bulkhead) {
      // One permit pool for every thread: see ./bulkhead-process.js.
      const { ProcessBulkhead } = require('./bulkhead-process');
      return new ProcessBulkhead(options, where);
    }
    super(HOT_EVENTS);
    /** `'thread'` (this thread's own permits) or `'process'` (shared by every worker thread). */
    this.scope = s.scope;
    /** The bulkhead's name. */
    this.name = s.name;
    /** Executions allowed at once. */
    this.maxConcurrent = s.maxConcurrent;
    /** Calls allowed to wait. */
    this.maxQueueSize = s.maxQueueSize;
    /** Longest wait in the queue, ms (0 = no limit). */
    this.timeout = s.timeout;
    this._onReject = s.onReject;
    this._attach(where ?? v.site('new Bulkhead', this.name));
    this._head = null;
    this._tail = null;
    this._onValue = (value) => {
      this._release();
      return value;
    };
    this._onError = (error) => {
      this._release();
      throw error;
    };
  }

  /**
   * Builds the native permit cells (a process-wide bulkhead attaches to shared ones instead).
   * @param {string} where call site for error messages (used by the process-wide override)
   */
  _attach(where) { // eslint-disable-line no-unused-vars
    this._native = new NativeBulkhead(this.maxConcurrent, this.maxQueueSize, this.name);
    this._cells = this._native.cellsView();
  }

  /** Adds one to the counter at `i` (this thread is the only writer). */
  _bump(i) {
    bump(this._cells, i);
  }

  /** `{ active, available, queued }` now. */
  get state() {
    const available = Math.max(0, this._cells[AVAILABLE]);
    return { active: this.maxConcurrent - available, available, queued: this._cells[QUEUED] };
  }

  /**
   * Runs `fn` when a permit is free (now, or after waiting in the queue), else rejects with
   * `BulkheadRejectedError`. Never throws synchronously.
   * @template T
   * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
   * @param {AbortSignal} [signal] aborting it takes a queued call out of the queue (rejects with its reason); passed on to `fn`
   * @returns {Promise<T>}
   */
  execute(fn, signal) {
    if (typeof fn !== 'function' || signal !== undefined) {
      const refused = refuseCall(this, fn, signal);
      if (refused !== undefined) return refused;
    }
    const cells = this._cells;
    if (cells[AVAILABLE] > 0) {
      cells[AVAILABLE]--;
      return this._run(fn, signal);
    }
    return this._enqueue(fn, signal);
  }

  /** Runs `fn` holding a permit; the permit goes back when it settles. */
  _run(fn, signal) {
    if ((this._listening & STARTED) !== 0) this.emitSafely('executionStarted', this.state);
    let result;
    // Inspecting the result can throw too (a throwing `then` getter, a revoked Proxy): nothing
    // is registered before such a throw, so the permit is released once, here.
    try {
      result = signal === undefined ? fn() : fn(signal);
      if (result instanceof Promise) return result.then(this._onValue, this._onError);
      if (result !== null && (typeof result === 'object' || typeof result === 'function') && typeof result.then === 'function') {
        return Promise.resolve(result).then(this._onValue, this._onError);
      }
    } catch (error) {
      this._release();
      return Promise.reject(error);
    }
    this._release();
    return Promise.resolve(result);
  }

  /** An execution ended: hand the permit to the oldest waiter, or give it back. */
  _release() {
    const cells = this._cells;
    bump(cells, COMPLETED);
    const waiter = this._head;
    if (waiter !== null) {
      this._unlink(waiter);
      this._runWaiter(waiter);
    } else {
      cells[AVAILABLE]++;
    }
    if ((this._listening & COMPLETED_EVENT) !== 0) this.emitSafely('executionCompleted', this.state);
  }

  /**
   * Runs a waiter that was handed a permit, settling its promise directly (resolving it with
   * another promise would cost extra ticks). A synchronous outcome releases on the next microtask,
   * so a queue of synchronous functions cannot recurse deeply.
   */
  _runWaiter(waiter) {
    const { fn, signal, resolve, reject } = waiter;
    if ((this._listening & STARTED) !== 0) this.emitSafely('executionStarted', this.state);
    let result;
    try {
      result = signal === undefined ? fn() : fn(signal);
    } catch (error) {
      queueMicrotask(() => {
        this._release();
        reject(error);
      });
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        this._release();
        resolve(value);
      },
      (error) => {
        this._release();
        reject(error);
      },
    );
  }

  _enqueue(fn, signal) {
    const cells = this._cells;
    if (cells[QUEUED] >= this.maxQueueSize) return this._rejectNew(QUEUE_FULL);
    cells[QUEUED]++;
    return new Promise((resolve, reject) => {
      const waiter = new Waiter(this, fn, signal, resolve, reject);
      waiter.prevWaiting = this._tail;
      if (this._tail === null) this._head = waiter;
      else this._tail.nextWaiting = waiter;
      this._tail = waiter;
      if (this.timeout > 0) deadlineList(this.timeout).add(waiter);
      if (signal !== undefined) {
        waiter.onAbort = () => this._leaveQueue(waiter, signal.reason, true);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
    });
  }

  /** Takes `waiter` out of the queue (it got a permit, or is leaving). */
  _unlink(waiter) {
    if (!waiter.queued) return;
    waiter.queued = false;
    const { prevWaiting, nextWaiting } = waiter;
    if (prevWaiting === null) this._head = nextWaiting;
    else prevWaiting.nextWaiting = nextWaiting;
    if (nextWaiting === null) this._tail = prevWaiting;
    else nextWaiting.prevWaiting = prevWaiting;
    waiter.prevWaiting = waiter.nextWaiting = null;
    this._cells[QUEUED]--;
    if (waiter.list !== null) waiter.list.remove(waiter);
    if (waiter.onAbort !== null) waiter.signal.removeEventListener('abort', waiter.onAbort);
  }

  /** A queued call leaves without running: timed out, or aborted (`reason` is then the abort reason). */
  _leaveQueue(waiter, reason, aborted = false) {
    if (!waiter.queued) return;
    this._unlink(waiter);
    if (aborted) {
      waiter.reject(reason);
      return;
    }
    this._bump(TIMED_OUT);
    waiter.reject(this._refuse(QUEUE_TIMEOUT));
  }

  _rejectNew(reason) {
    return Promise.reject(this._refuse(reason));
  }

  /** Counts a refusal, tells `onReject` and `rejected` listeners, and builds the error. */
  _refuse(reason) {
    this._bump(REJECTED);
    const { active, queued } = this.state;
    if (this._onReject !== undefined) {
      try {
        this._onReject(reason);
      } catch (error) {
        process.emitWarning(`Bulkhead(${JSON.stringify(this.name)}): onReject threw: ${error}`, { code: 'BULWARK_LISTENER_ERROR' });
      }
    }
    this.emitSafely('rejected', { name: this.name, reason, active, queued });
    return new BulkheadRejectedError(this.name, reason, active, queued);
  }

  /**
   * `{ active, queued, available, completed, rejected, timedOut }`: `rejected` counts every refusal
   * (queue full and queue timeout); `timedOut` is the subset that timed out in the queue.
   */
  getMetrics() {
    const cells = this._cells;
    return {
      name: this.name,
      ...this.state,
      maxConcurrent: this.maxConcurrent,
      maxQueueSize: this.maxQueueSize,
      completed: readCounter(cells, COMPLETED),
      rejected: readCounter(cells, REJECTED),
      timedOut: readCounter(cells, TIMED_OUT),
    };
  }
}

/** Bulkheads created by name with `createBulkhead`. */
const bulkheads = new Map();

/** The settings that identify a bulkhead for "same name, same settings" checks. */
function identity(s) {
  return { scope: s.scope, maxConcurrent: s.maxConcurrent, maxQueueSize: s.maxQueueSize, timeout: s.timeout, onReject: s.onReject ? String(s.onReject) : null };
}

/**
 * The named bulkhead of this thread built from `options` (`{ name, maxConcurrent, ... }`): created
 * on first use; asked again with the same settings, the same bulkhead; with different settings, a
 * `RangeError` naming them (one name, one concurrency cap).
 * @param {object} options
 * @param {string} where call site for messages
 * @returns {Bulkhead}
 */
function namedBulkhead(options, where) {
  const wanted = bulkheadSettings(options, where);
  const existing = bulkheads.get(wanted.name);
  if (existing === undefined) {
    const bulkhead = new Bulkhead(options, where);
    bulkheads.set(bulkhead.name, bulkhead);
    return bulkhead;
  }
  const a = identity({ ...existing, onReject: existing._onReject });
  const b = identity(wanted);
  const differ = Object.keys(a).filter((k) => a[k] !== b[k]);
  if (differ.length > 0) {
    throw new RangeError(`${where}: a bulkhead named ${JSON.stringify(wanted.name)} already exists with different settings (${differ.join(', ')})`);
  }
  return existing;
}

/**
 * Creates the bulkhead `name` — `maxConcurrent` at once, `maxQueueSize` waiting (default 0) — or
 * returns the existing one with the same settings (different settings: `RangeError`). Calling it
 * again, for example in a request handler, does not make a second cap.
 * @param {string} name
 * @param {number} maxConcurrent
 * @param {number} [maxQueueSize]
 * @param {{ timeout?: number, scope?: 'thread' | 'process', onReject?: (reason: string) => void }} [options]
 *   `scope: 'process'` shares one permit pool and queue with every worker thread of the process
 * @returns {Bulkhead}
 */
function createBulkhead(name, maxConcurrent, maxQueueSize = 0, options = undefined) {
  const site = v.site('createBulkhead', name);
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`${site}: options must be an object, got ${v.show(options)}`);
  }
  return namedBulkhead({ ...options, name, maxConcurrent, maxQueueSize }, site);
}

module.exports = { Bulkhead, createBulkhead, namedBulkhead, bulkheads, bulkheadSettings, refuseCall, Waiter, QUEUE_FULL, QUEUE_TIMEOUT, TIMED_OUT, STARTED, COMPLETED_EVENT };
