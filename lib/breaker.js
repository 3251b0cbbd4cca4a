'use strict';
/**
 * The circuit breaker's JS half: promises, timing and events around the native state machine.
 *
 * Per call, in CLOSED: one typed-array read of the native gate decides admission (no native
 * call), and one raw native call records the outcome and returns the gate afterwards. A gate that
 * differs from the last one this object saw means transitions happened (here or in another
 * thread); `sync` then reads them from the native transition log and emits `stateChange` for each,
 * in order, before the promise of the call that saw them settles. Durations are measured only when
 * something needs them: a timeout, a slow-call rule, a `call` listener, or enabled metrics.
 * @module breaker
 */
const { NativeBreaker } = require('./native');
const { SafeEmitter, emitSafely } = require('./events');
const { CircuitOpenError } = require('./errors');
const { breakerOptions } = require('./breaker-options');
const { nowFn } = require('./clock');
const { runTimed, isOwnTimeout } = require('./timed-call');
const { METRICS_FLAG } = require('./metric-cells');
const v = require('./validate');

/** The breaker states, as strings. */
const CircuitState = Object.freeze({ CLOSED: 'CLOSED', OPEN: 'OPEN', HALF_OPEN: 'HALF_OPEN' });
/** State names by gate state code (3 = forced open, reported as OPEN). */
const STATE_NAMES = Object.freeze(['CLOSED', 'OPEN', 'HALF_OPEN', 'OPEN']);
/** Events checked on every call, as bits of `_listening`. */
const HOT_EVENTS = Object.freeze(['call']);
const CALL_EVENT = 1;
/** Successes of a CLOSED breaker without rate rules are recorded natively in batches of this many. */
const BATCH = 32;
/** Breakers of this thread holding unrecorded successes, held weakly (flushed before metrics are rendered). */
const pendingBreakers = new Set();
const SUCCESS = 0;
const FAILURE = 1;
const TIMEOUT = 2;

function isThenable(x) {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof x.then === 'function';
}

function invoke(fn, signal) {
  try {
    return Promise.resolve(signal === undefined ? fn() : fn(signal));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A circuit breaker: stops calling a dependency that keeps failing, and probes for its recovery. */
class CircuitBreaker extends SafeEmitter {
  /**
   * @param {string} name identifies the breaker in events, errors and metrics
   * @param {object} [options] see `docs/API.md`
   * @param {string} [where] call site used in error messages
   */
  constructor(name, options, where = v.site('new CircuitBreaker', name)) {
    super(HOT_EVENTS);
    v.name(where, 'name', name);
    const cfg = breakerOptions(where, options);
    const native = v.native(where, () => new NativeBreaker(cfg.native, cfg.clock ?? null, name, cfg.scope));
    const hot = native.hotFunctions();
    /** The breaker's name. */
    this.name = name;
    /** `'thread'` or `'process'` (one native state for every worker thread). */
    this.scope = cfg.scope;
    this._native = native;
    this._gate = native.gateView();
    this._admit = hot.admit;
    this._ok = hot.ok;
    this._done = hot.done;
    this._okMany = hot.okMany;
    this._okStriped = hot.okStriped;
    this._okStripedOne = hot.okStripedOne;
    // Without rate rules a success can never cause a transition, so successes in CLOSED can be
    // recorded in batches (one native call per BATCH), flushed before any failure so the window
    // keeps the calls' order, and before anything reads the counts.
    const rateRules = cfg.native.failureRateThreshold !== undefined || cfg.native.slowCallRateThreshold !== undefined;
    this._batched = !rateRules;
    // A process-scoped breaker (another thread may read the shared counts at any time, and a
    // terminated worker cannot flush) counts each success in CLOSED at once in this thread's own
    // stripe of native cells (summed on read), so threads do not share a counter line. Without
    // rate rules it also reads the shared failure run: only a success that ends a run calls in
    // at once, and the batch only feeds the rolling window. With rate rules each success is still
    // recorded at once (`okStripedOne`), minus the shared counter.
    this._stripe = null;
    this._run = null;
    if (cfg.scope === 'process') {
      this._stripe = native.successStripe();
      if (this._batched) this._run = native.runView();
    }
    this._pending = 0;
    this._weak = new WeakRef(this);
    this._seen = this._gate[0];
    this._fast = (this._seen & 3) === 0 ? this._seen : -1;
    this._timeout = cfg.timeout;
    this._isFailure = cfg.isFailure;
    this._measure = cfg.measure;
    this._now = nowFn(cfg.clock);
    this._signature = cfg.signature;
    this._settings = cfg.native;
    /** @type {import('node:events').EventEmitter | null} */
    this._registry = null;
    this._lastStateChange = Date.now();
    this._handlerTicket = -1;
    this._onValue = null;
    this._onError = null;
  }

  /** The state now: `'CLOSED' | 'OPEN' | 'HALF_OPEN'` (an OPEN breaker past its reset timeout reads HALF_OPEN). */
  get state() {
    const g = this._native.observe();
    this._sync(g);
    return STATE_NAMES[g & 3];
  }

  /** Whether the breaker is open because of `forceOpen()`. */
  get isForcedOpen() {
    return (this._gate[0] & 3) === 3;
  }

  /**
   * Runs `fn` if the breaker admits it, else rejects with `CircuitOpenError` without calling it.
   * Never throws synchronously. Sync or async `fn`; any rejection (an Error, a string, undefined)
   * counts as a failure unless `isFailure` says otherwise.
   * @template T
   * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
   * @param {AbortSignal} [signal] passed on to `fn`; an already aborted signal rejects at once
   * @returns {Promise<T>}
   */
  execute(fn, signal) {
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`CircuitBreaker(${JSON.stringify(this.name)}).execute(): fn must be a function, got ${v.show(fn)}`));
    }
    if (signal !== undefined) {
      if (!(signal instanceof AbortSignal)) {
        return Promise.reject(new TypeError(`CircuitBreaker(${JSON.stringify(this.name)}).execute(): signal must be an AbortSignal, got ${v.show(signal)}`));
      }
      if (signal.aborted) return Promise.reject(signal.reason);
    }
    let ticket = this._gate[0];
    if (ticket !== this._fast) {
      ticket = this._admitSlow();
      if (ticket < 0) return this._reject();
    }
    if (this._timeout > 0 || this._measure || (this._listening & CALL_EVENT) !== 0 || METRICS_FLAG[0] !== 0) {
      return this._runObserved(fn, ticket, signal);
    }
    let result;
    // Inspecting the result can throw too (a throwing `then` getter, a revoked Proxy): it is then
    // recorded like a sync throw, so a probe's ticket is never left open.
    try {
      result = signal === undefined ? fn() : fn(signal);
      if (ticket !== this._handlerTicket) this._makeHandlers(ticket);
      if (result instanceof Promise) return result.then(this._onValue, this._onError);
      if (isThenable(result)) return Promise.resolve(result).then(this._onValue, this._onError);
    } catch (error) {
      this._recordError(ticket, error, -1);
      return Promise.reject(error);
    }
    const g = this._ok(ticket);
    if (g !== this._seen) this._sync(g);
    return Promise.resolve(result);
  }

  /** Builds the settle handlers for one ticket; reused while the ticket stays the same (all of CLOSED). */
  _makeHandlers(ticket) {
    this._flush();
    this._handlerTicket = ticket;
    // Only successes admitted in CLOSED are batched: a probe's success decides a transition.
    const closed = this._batched && (ticket & 3) === 0;
    const stripe = this._stripe;
    const run = this._run;
    this._onValue = !this._batched && (ticket & 3) === 0 && stripe !== null
      ? (value) => {
          if (++stripe[0] === 0) stripe[1]++;
          const g = this._okStripedOne(ticket);
          if (g !== this._seen) this._sync(g);
          return value;
        }
      : closed && stripe !== null
      ? (value) => {
          if (++stripe[0] === 0) stripe[1]++;
          const n = ++this._pending;
          if (n === 1) pendingBreakers.add(this._weak);
          if (n >= BATCH || run[0] !== 0) this._flush();
          return value;
        }
      : closed
      ? (value) => {
          const n = ++this._pending;
          if (n === 1) pendingBreakers.add(this._weak);
          else if (n >= BATCH) this._flush();
          return value;
        }
      : (value) => {
          const g = this._ok(ticket);
          if (g !== this._seen) this._sync(g);
          return value;
        };
    this._onError = (error) => {
      this._recordError(ticket, error, -1);
      throw error;
    };
  }

  /** The timed path: per-call timeout, slow-call measurement, `call` listeners or metrics (the duration histogram). */
  _runObserved(fn, ticket, signal) {
    const start = this._now();
    const run = this._timeout > 0 ? runTimed(fn, this._timeout, signal) : invoke(fn, signal);
    return run.then(
      (value) => {
        const duration = this._now() - start;
        const g = this._done(ticket, SUCCESS, duration);
        this.emitSafely('call', { name: this.name, success: true, duration, error: undefined });
        if (g !== this._seen) this._sync(g);
        return value;
      },
      (error) => {
        const duration = this._now() - start;
        const outcome = this._recordError(ticket, error, duration, true);
        this.emitSafely('call', { name: this.name, success: outcome === SUCCESS, duration, error });
        this._sync(this._gate[0]);
        throw error;
      },
    );
  }

  /** Records the successes gathered since the last flush (under the ticket they were admitted with). */
  _flush() {
    const n = this._pending;
    if (n === 0) return;
    this._pending = 0;
    pendingBreakers.delete(this._weak);
    const g = this._stripe !== null ? this._okStriped(this._handlerTicket, n) : this._okMany(this._handlerTicket, n);
    if (g !== this._seen) this._sync(g);
  }

  /** Records a rejection of `fn` (or its sync throw); returns the outcome recorded. */
  _recordError(ticket, error, duration, deferSync = false) {
    if (this._pending !== 0) this._flush();
    let outcome = FAILURE;
    if (isOwnTimeout(error)) {
      outcome = TIMEOUT;
    } else if (this._isFailure !== undefined) {
      try {
        if (!this._isFailure(error)) outcome = SUCCESS;
      } catch (predicateError) {
        process.emitWarning(`CircuitBreaker(${JSON.stringify(this.name)}): isFailure threw; the error counts as a failure: ${predicateError}`, {
          code: 'BULWARK_PREDICATE_ERROR',
        });
      }
    }
    const g = this._done(ticket, outcome, duration);
    if (!deferSync && g !== this._seen) this._sync(g);
    return outcome;
  }

  /** Admission outside CLOSED (OPEN, HALF_OPEN) or after a transition this object has not seen. */
  _admitSlow() {
    if (this._pending !== 0) this._flush();
    const ticket = this._admit();
    const g = this._gate[0];
    if (g !== this._seen) this._sync(g);
    return ticket;
  }

  _reject() {
    const ms = this._native.retryAfterMs();
    const retryAfter = ms < 0 ? Infinity : ms;
    const state = STATE_NAMES[this._gate[0] & 3];
    this.emitSafely('rejected', { name: this.name, retryAfter, state });
    return Promise.reject(new CircuitOpenError(this.name, retryAfter, state));
  }

  /** Emits `stateChange` for every transition between the last gate seen and `g`. */
  _sync(g) {
    const seen = this._seen;
    if (g === seen) return;
    if (this._pending !== 0) this._flush();
    const flat = this._native.transitionsSince(seen);
    const last = flat.length > 0 ? flat[flat.length - 1] : g;
    this._seen = last;
    this._fast = (last & 3) === 0 ? last : -1;
    this._lastStateChange = Date.now();
    if (flat.length === 0) {
      if ((seen & 3) !== (g & 3)) this._emitStateChange(seen & 3, g & 3);
      return;
    }
    for (let i = 0; i < flat.length; i += 3) this._emitStateChange(flat[i], flat[i + 1]);
  }

  _emitStateChange(from, to) {
    const registry = this._registry;
    if (this.listenerCount('stateChange') === 0 && (registry === null || registry.listenerCount('stateChange') === 0)) return;
    const event = { name: this.name, previousState: STATE_NAMES[from], currentState: STATE_NAMES[to] };
    this.emitSafely('stateChange', event);
    if (registry !== null && registry.listenerCount('stateChange') > 0) emitSafely(registry, 'stateChange', event);
  }

  /** Opens the breaker until `reset()`: every call is rejected with `CircuitOpenError`. */
  forceOpen() {
    this._flush();
    this._sync(this._native.forceOpen());
  }

  /** Closes the breaker and clears its rolling window and failure run. */
  reset() {
    this._flush();
    this._sync(this._native.reset());
  }

  /**
   * Counters since creation plus the rolling window's rates.
   * @returns {import('../index').CircuitBreakerMetrics}
   */
  getMetrics() {
    this._flush();
    const state = this.state;
    const s = this._native.snapshot();
    return {
      name: this.name,
      state,
      calls: s.successes + s.failures,
      successes: s.successes,
      failures: s.failures,
      rejections: s.rejections,
      timeouts: s.timeouts,
      slowCalls: s.slowCalls,
      failureRate: s.failureRate,
      slowCallRate: s.slowCallRate,
      windowCalls: s.windowCalls,
      consecutiveFailures: s.consecutiveFailures,
      lastStateChange: this._lastStateChange,
    };
  }
}

/** Records every breaker's gathered successes now (before metrics are rendered). */
function flushBreakers() {
  for (const ref of pendingBreakers) {
    const breaker = ref.deref();
    if (breaker === undefined) pendingBreakers.delete(ref);
    else breaker._flush();
  }
}

module.exports = { CircuitBreaker, CircuitState, STATE_NAMES, flushBreakers };
