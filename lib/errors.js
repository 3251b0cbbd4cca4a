'use strict';
/**
 * The errors bulwark raises. Every one is a `ResilienceError` with a stable string `code`.
 * @module errors
 */

/** Base class of every error the library raises on purpose. */
class ResilienceError extends Error {
  /**
   * @param {string} message
   * @param {string} code stable machine-readable code
   * @param {{cause?: unknown}} [options]
   */
  constructor(message, code, options) {
    super(message, options);
    /** Stable machine-readable code, e.g. `'CIRCUIT_OPEN'`. */
    this.code = code;
  }
}
Object.defineProperty(ResilienceError.prototype, 'name', { value: 'ResilienceError', writable: true, configurable: true });

/** A circuit breaker refused the call without running it (`code: 'CIRCUIT_OPEN'`). */
class CircuitOpenError extends ResilienceError {
  /**
   * @param {string} breakerName the breaker's name
   * @param {number} retryAfter ms until probes are admitted (`Infinity` while forced open)
   * @param {'OPEN'|'HALF_OPEN'} [state] the breaker's state when it refused
   */
  constructor(breakerName, retryAfter, state = 'OPEN') {
    super(
      state === 'HALF_OPEN'
        ? `Circuit breaker "${breakerName}" is half-open and its probe calls are all in flight`
        : `Circuit breaker "${breakerName}" is open`,
      'CIRCUIT_OPEN',
    );
    /** The breaker's state when it refused: `'OPEN'`, or `'HALF_OPEN'` when every probe slot was taken. */
    this.state = state;
    /** The breaker's name (API.md: `name` is the policy's name; the class is known by `code`). */
    this.name = breakerName;
    /** The breaker's name (alias of `name`). */
    this.breakerName = breakerName;
    /** Milliseconds until the breaker admits probes (0 in HALF_OPEN, `Infinity` while forced open). */
    this.retryAfter = retryAfter;
  }
}
Object.defineProperty(CircuitOpenError.prototype, 'name', { value: 'CircuitOpenError', writable: true, configurable: true });

/** A bulkhead refused the call: its queue was full, or the call waited past the queue timeout. */
class BulkheadRejectedError extends ResilienceError {
  /**
   * @param {string} bulkheadName
   * @param {'BULKHEAD_QUEUE_FULL'|'BULKHEAD_QUEUE_TIMEOUT'} code
   * @param {number} active calls running when refused
   * @param {number} queued calls waiting when refused
   */
  constructor(bulkheadName, code, active, queued) {
    const why = code === 'BULKHEAD_QUEUE_FULL' ? 'queue is full' : 'call waited too long in the queue';
    super(`Bulkhead "${bulkheadName}" rejected the call: ${why}`, code);
    /** The bulkhead's name (API.md: `name` is the policy's name; the class is known by `code`). */
    this.name = bulkheadName;
    /** The bulkhead's name (alias of `name`). */
    this.bulkheadName = bulkheadName;
    /** Calls running when the call was refused. */
    this.active = active;
    /** Calls queued when the call was refused. */
    this.queued = queued;
  }
}
Object.defineProperty(BulkheadRejectedError.prototype, 'name', { value: 'BulkheadRejectedError', writable: true, configurable: true });

/** An operation ran past its time limit (`code: 'TIMEOUT'`). */
class TimeoutError extends ResilienceError {
  /** @param {number} duration the time limit that passed, in ms */
  constructor(duration) {
    super(`Operation timed out after ${duration}ms`, 'TIMEOUT');
    /** Milliseconds waited before giving up. */
    this.duration = duration;
  }
}
Object.defineProperty(TimeoutError.prototype, 'name', { value: 'TimeoutError', writable: true, configurable: true });

/** A rate limiter refused the call (`code: 'RATE_LIMITED'`). */
class RateLimitedError extends ResilienceError {
  /**
   * @param {string} limiterName
   * @param {number} retryAfter ms until the call would be admitted
   */
  constructor(limiterName, retryAfter) {
    super(`Rate limit "${limiterName}" exceeded; retry after ${retryAfter}ms`, 'RATE_LIMITED');
    /** The limiter's name. */
    this.limiterName = limiterName;
    /** Milliseconds until the call would be admitted. */
    this.retryAfter = retryAfter;
  }
}
Object.defineProperty(RateLimitedError.prototype, 'name', { value: 'RateLimitedError', writable: true, configurable: true });

/** Every retry failed (only raised where the retry config asks for it). */
class RetryExhaustedError extends ResilienceError {
  /**
   * @param {number} attempts attempts made
   * @param {unknown} cause the last attempt's error
   */
  constructor(attempts, cause) {
    super(`All ${attempts} attempts failed`, 'RETRY_EXHAUSTED', { cause });
    /** Attempts made, the first included. */
    this.attempts = attempts;
  }
}
Object.defineProperty(RetryExhaustedError.prototype, 'name', { value: 'RetryExhaustedError', writable: true, configurable: true });

module.exports = {
  ResilienceError,
  CircuitOpenError,
  BulkheadRejectedError,
  TimeoutError,
  RateLimitedError,
  RetryExhaustedError,
};
