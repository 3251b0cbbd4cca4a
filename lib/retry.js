'use strict';
/**
 * Retry: `executeWithRetry(fn, config)`, `RetryPolicy`, and the `RetryPolicies` presets.
 *
 * The success path costs no native call and no timer: `fn` runs, its result is returned. Only
 * after a failure is the next delay computed (natively, `engine::backoff`) and waited for with a
 * JS timer that is cleared the moment the wait ends (or the `signal` aborts). Each retry (an
 * attempt after the first) adds one to the policy name's native `retry_attempts_total` cell.
 * @module retry
 */
const { NativeBackoff } = require('./native');
const { RetryExhaustedError } = require('./errors');
const { matchesAny, isNetworkError, isRateLimitError, retryAfterMs } = require('./retry-errors');
const { RETRIES, counterCells, bump } = require('./metric-cells');
const v = require('./validate');

const KNOWN = Object.freeze([
  'maxAttempts', 'initialDelay', 'maxDelay', 'backoffMultiplier', 'jitter', 'strategy', 'retryableErrors',
  'retryOnResult', 'onRetry', 'signal', 'honorRetryAfter', 'exhaustedError', 'seed', 'name',
]);
const JITTERS = { full: 'full', equal: 'equal', decorrelated: 'decorrelated' };

/** Errors never retried unless `retryableErrors` says so: retrying an open circuit is pointless. */
function defaultRetryable(error) {
  return !(error !== null && typeof error === 'object' && error.code === 'CIRCUIT_OPEN');
}

/**
 * Validates a retry config once, into what the loop needs.
 * @param {string} where
 * @param {object} config
 */
function compile(where, config) {
  const o = v.options(where, config, KNOWN, 'config');
  const opt = (key, check, ...args) => (o[key] === undefined ? undefined : check(where, key, o[key], ...args));
  const maxAttempts = opt('maxAttempts', v.count, 1) ?? 3;
  const initialDelay = opt('initialDelay', v.time) ?? 100;
  const maxDelay = opt('maxDelay', v.time) ?? Math.max(30000, initialDelay);
  if (maxDelay < initialDelay) throw new RangeError(`${where}: maxDelay (${maxDelay}) must be >= initialDelay (${initialDelay})`);
  let multiplier = 2;
  if (o.backoffMultiplier !== undefined) {
    if (typeof o.backoffMultiplier !== 'number') v.fail(TypeError, where, 'backoffMultiplier', 'a number in [1, 1000]', o.backoffMultiplier);
    if (!(o.backoffMultiplier >= 1 && o.backoffMultiplier <= 1000)) v.fail(RangeError, where, 'backoffMultiplier', 'a number in [1, 1000]', o.backoffMultiplier);
    multiplier = o.backoffMultiplier;
  }
  const strategy = o.strategy ?? 'exponential';
  if (!['fixed', 'linear', 'exponential'].includes(strategy)) v.fail(TypeError, where, 'strategy', "'fixed', 'linear' or 'exponential'", strategy);
  let jitter = 'none';
  let jitterFactor;
  const j = o.jitter;
  if (j === true) jitter = 'full';
  else if (typeof j === 'number') {
    if (!(j >= 0 && j <= 1)) v.fail(RangeError, where, 'jitter', "a factor in [0, 1], true, false, 'full', 'equal' or 'decorrelated'", j);
    jitter = 'factor';
    jitterFactor = j;
  } else if (typeof j === 'string' && JITTERS[j] !== undefined) jitter = JITTERS[j];
  else if (j !== undefined && j !== false) v.fail(TypeError, where, 'jitter', "true, false, 'full', 'equal', 'decorrelated' or a factor in [0, 1]", j);
  let retryable = defaultRetryable;
  if (o.retryableErrors !== undefined) {
    if (typeof o.retryableErrors === 'function') retryable = o.retryableErrors;
    else if (Array.isArray(o.retryableErrors) && o.retryableErrors.every((e) => typeof e === 'string')) {
      const list = o.retryableErrors.slice();
      retryable = (error) => matchesAny(list, error);
    } else v.fail(TypeError, where, 'retryableErrors', 'an array of strings or a predicate', o.retryableErrors);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) v.fail(TypeError, where, 'signal', 'an AbortSignal', o.signal);
  if (o.seed !== undefined) v.count(where, 'seed', o.seed, 0, Number.MAX_SAFE_INTEGER);
  return {
    name: opt('name', v.name),
    maxAttempts,
    backoff: {
      growth: strategy === 'fixed' ? 'constant' : strategy,
      initialDelay,
      maxDelay,
      multiplier,
      jitter,
      jitterFactor,
      seed: o.seed,
    },
    native: null,
    retryable,
    retryOnResult: opt('retryOnResult', v.func),
    onRetry: opt('onRetry', v.func),
    signal: o.signal,
    honorRetryAfter: o.honorRetryAfter === undefined ? false : o.honorRetryAfter === true,
    exhaustedError: o.exhaustedError === true,
  };
}

/** Waits `ms`, or rejects with the abort reason as soon as `signal` aborts. */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal === undefined) {
      setTimeout(resolve, ms);
      return;
    }
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Marks a result that `retryOnResult` refused, so the loop can tell it from an error. */
class RefusedResult {
  constructor(value) {
    this.value = value;
  }
}

/** A reusable retry policy. */
class RetryPolicy {
  /**
   * @param {object} [config] `maxAttempts`, `initialDelay`, `maxDelay`, `backoffMultiplier`, `jitter`,
   *   `strategy`, `retryableErrors`, `retryOnResult`, `onRetry`, `signal`, `honorRetryAfter`, `exhaustedError`, `seed`,
   *   `name` (for metrics, default `'retry'`)
   * @param {string} [where] call site for error messages (internal)
   * @param {string} [defaultName] name when the config has none (internal)
   */
  constructor(config, where = 'new RetryPolicy()', defaultName = 'retry') {
    this._c = compile(where, config);
    /** The name its retries are counted under in `retry_attempts_total`. */
    this.name = this._c.name ?? defaultName;
    /** @type {Int32Array | null} this thread's counter cells for `name`, fetched at the first retry */
    this._cells = null;
    /** Total attempts allowed, the first included. */
    this.maxAttempts = this._c.maxAttempts;
    /** Counters since creation. */
    this.stats = { calls: 0, attempts: 0, retries: 0, successes: 0, failures: 0 };
  }

  /**
   * Runs `fn` until it succeeds or the attempts are used up; rethrows the last error (or a
   * `RetryExhaustedError` when the config says `exhaustedError: true`). Never throws synchronously.
   * @template T
   * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
   * @param {AbortSignal} [signal] overrides the config's signal; aborting ends a wait at once
   * @returns {Promise<T>}
   */
  execute(fn, signal = this._c.signal) {
    if (typeof fn !== 'function') return Promise.reject(new TypeError(`RetryPolicy.execute(): fn must be a function, got ${v.show(fn)}`));
    if (signal !== undefined && signal.aborted) return Promise.reject(signal.reason);
    this.stats.calls++;
    this.stats.attempts++;
    let result;
    try {
      result = signal === undefined ? fn() : fn(signal);
    } catch (error) {
      return this._loop(fn, signal, error, 1);
    }
    if (this._c.retryOnResult !== undefined) {
      return Promise.resolve(result).then(
        (value) => (this._refuses(value) ? this._loop(fn, signal, new RefusedResult(value), 1) : this._won(value)),
        (error) => this._loop(fn, signal, error, 1),
      );
    }
    let isPromise;
    try {
      isPromise = result instanceof Promise; // throws for a revoked Proxy
    } catch (error) {
      return this._loop(fn, signal, error, 1);
    }
    if (isPromise) {
      return result.then(
        (value) => this._won(value),
        (error) => this._loop(fn, signal, error, 1),
      );
    }
    return Promise.resolve(result).then((value) => this._won(value), (error) => this._loop(fn, signal, error, 1));
  }

  _won(value) {
    this.stats.successes++;
    return value;
  }

  _refuses(value) {
    return this._c.retryOnResult(value) === true;
  }

  /** After failed attempt `attempt` (an error, or a refused result): wait and try again, or give up. */
  async _loop(fn, signal, failure, attempt) {
    const c = this._c;
    let previousDelay = 0;
    for (;;) {
      const refused = failure instanceof RefusedResult;
      const retryable = refused || c.retryable(failure);
      if (!retryable || attempt >= c.maxAttempts) {
        if (refused) return this._won(failure.value);
        this.stats.failures++;
        throw c.exhaustedError && retryable ? new RetryExhaustedError(attempt, failure) : failure;
      }
      const delay = this._delay(attempt, refused ? undefined : failure, previousDelay);
      previousDelay = delay;
      if (c.onRetry !== undefined) {
        try {
          c.onRetry(attempt, refused ? failure.value : failure, delay);
        } catch (error) {
          process.emitWarning(`retry: onRetry threw: ${error}`, { code: 'BULWARK_LISTENER_ERROR' });
        }
      }
      await sleep(delay, signal);
      if (this._cells === null) this._cells = counterCells('retry', this.name);
      bump(this._cells, RETRIES);
      attempt++;
      this.stats.attempts++;
      this.stats.retries++;
      try {
        const value = await (signal === undefined ? fn() : fn(signal));
        if (c.retryOnResult !== undefined && this._refuses(value)) failure = new RefusedResult(value);
        else return this._won(value);
      } catch (error) {
        failure = error;
      }
    }
  }

  /** The wait after failed attempt `attempt`: a server's Retry-After if honoured, else the backoff. */
  _delay(attempt, error, previousDelay) {
    const c = this._c;
    if (c.honorRetryAfter && error !== undefined) {
      const asked = retryAfterMs(error);
      if (asked !== undefined) return Math.min(asked, c.backoff.maxDelay);
    }
    if (c.native === null) c.native = new NativeBackoff(c.backoff);
    return c.native.delay(attempt, previousDelay);
  }
}

const compiled = new WeakMap();

/**
 * Runs `fn` with retries per `config` (a config object is validated on first use and reused).
 * Its retries are counted under `config.name`, default `'executeWithRetry'`.
 * @template T
 * @param {(signal?: AbortSignal) => T | PromiseLike<T>} fn
 * @param {object} [config]
 * @returns {Promise<T>}
 */
function executeWithRetry(fn, config = {}) {
  let policy = config !== null && typeof config === 'object' ? compiled.get(config) : undefined;
  if (policy === undefined) {
    try {
      policy = new RetryPolicy(config, 'executeWithRetry()', 'executeWithRetry');
    } catch (error) {
      return Promise.reject(error);
    }
    compiled.set(config, policy);
  }
  return policy.execute(fn);
}

/** Ready-made retry configs (plain objects: spread and override them). */
const RetryPolicies = Object.freeze({
  /** `attempts` attempts, `delay` ms apart. */
  fixed: (attempts = 3, delay = 1000) => ({ maxAttempts: attempts, initialDelay: delay, maxDelay: delay, strategy: 'fixed', backoffMultiplier: 1, jitter: false }),
  /** Waits `delay`, `2 × delay`, `3 × delay`, ... */
  linear: (attempts = 3, delay = 1000) => ({ maxAttempts: attempts, initialDelay: delay, maxDelay: Math.max(30000, delay), strategy: 'linear', jitter: false }),
  /** Waits `initialDelay`, doubling each time, at most `maxDelay`. */
  exponential: (attempts = 3, initialDelay = 100, maxDelay = 30000) => ({ maxAttempts: attempts, initialDelay, maxDelay, backoffMultiplier: 2, strategy: 'exponential', jitter: false }),
  /** Retries 429/503 and `RATE_LIMIT` errors, honouring a `Retry-After` on the error or its response. */
  apiRateLimit: () => ({ maxAttempts: 3, initialDelay: 1000, maxDelay: 60000, backoffMultiplier: 2, strategy: 'exponential', jitter: 'equal', retryableErrors: isRateLimitError, honorRetryAfter: true }),
  /** Retries network failures (`ECONNRESET`, `ETIMEDOUT`, `ECONNREFUSED`, `EPIPE`, `EAI_AGAIN`, `UND_ERR_*`, `TIMEOUT`, `NETWORK_ERROR`, ...). */
  network: () => ({ maxAttempts: 3, initialDelay: 200, maxDelay: 10000, backoffMultiplier: 2, strategy: 'exponential', jitter: 'full', retryableErrors: isNetworkError }),
});

module.exports = { RetryPolicy, RetryPolicies, executeWithRetry, sleep };
