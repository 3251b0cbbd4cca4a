/**
 * bulwark: resilience policies for Node.js with lock-free native state.
 * Hand-written public types; see docs/API.md for the full contract.
 */
import { EventEmitter } from 'node:events';

// ---------------------------------------------------------------- errors

/** Base class of every error the library raises on purpose. */
export declare class ResilienceError extends Error {
  /** Stable machine-readable code, e.g. `'CIRCUIT_OPEN'`. */
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown });
}

/** A circuit breaker refused the call without running it. */
export declare class CircuitOpenError extends ResilienceError {
  readonly code: 'CIRCUIT_OPEN';
  /** The breaker's name. */
  name: string;
  /** The breaker's name (alias of `name`). */
  readonly breakerName: string;
  /** Milliseconds until the breaker admits probes (0 in HALF_OPEN, `Infinity` while forced open). */
  readonly retryAfter: number;
  /** The breaker's state when it refused: `'OPEN'`, or `'HALF_OPEN'` when every probe slot was taken. */
  readonly state: 'OPEN' | 'HALF_OPEN';
  constructor(breakerName: string, retryAfter: number, state?: 'OPEN' | 'HALF_OPEN');
}

/** A bulkhead refused the call: its queue was full, or the call waited too long in it. */
export declare class BulkheadRejectedError extends ResilienceError {
  readonly code: 'BULKHEAD_QUEUE_FULL' | 'BULKHEAD_QUEUE_TIMEOUT';
  /** The bulkhead's name. */
  name: string;
  /** The bulkhead's name (alias of `name`). */
  readonly bulkheadName: string;
  /** Calls running when the call was refused. */
  readonly active: number;
  /** Calls queued when the call was refused. */
  readonly queued: number;
  constructor(bulkheadName: string, code: 'BULKHEAD_QUEUE_FULL' | 'BULKHEAD_QUEUE_TIMEOUT', active: number, queued: number);
}

/** An operation ran past its time limit. */
export declare class TimeoutError extends ResilienceError {
  readonly code: 'TIMEOUT';
  /** Milliseconds waited before giving up. */
  readonly duration: number;
  constructor(duration: number);
}

/** A rate limiter refused the call. */
export declare class RateLimitedError extends ResilienceError {
  readonly code: 'RATE_LIMITED';
  /** The limiter's name. */
  readonly limiterName: string;
  /** Milliseconds until the call would be admitted. */
  readonly retryAfter: number;
  constructor(limiterName: string, retryAfter: number);
}

/** Every retry failed (only raised where the retry config asks for it). */
export declare class RetryExhaustedError extends ResilienceError {
  readonly code: 'RETRY_EXHAUSTED';
  /** Attempts made, the first included. */
  readonly attempts: number;
  /** The last attempt's error. */
  readonly cause: unknown;
  constructor(attempts: number, cause: unknown);
}

// ---------------------------------------------------------------- time

/**
 * A clock that moves only when told to. Pass it as the `clock` option and call `advance(ms)` in
 * tests instead of sleeping: the engine sees exactly the time you set.
 */
export declare class ManualClock {
  /** A clock reading `startMs` (default 0) until advanced. */
  constructor(startMs?: number);
  /** Moves time forward by `ms` and returns the new time in ms. */
  advance(ms: number): number;
  /** Sets the time in ms; moving it backwards throws a `RangeError`. */
  set(ms: number): void;
  /** The current time in ms. */
  now(): number;
}

// ---------------------------------------------------------------- circuit breaker

/** The breaker states. */
export declare const CircuitState: {
  readonly CLOSED: 'CLOSED';
  readonly OPEN: 'OPEN';
  readonly HALF_OPEN: 'HALF_OPEN';
};
/** One of the breaker states. */
export type CircuitState = (typeof CircuitState)[keyof typeof CircuitState];

/** Which calls the rolling window holds. */
export type BreakerWindow =
  | { kind?: 'count'; /** Calls kept (default 100). */ size?: number }
  | { kind?: 'time'; /** Window length in ms (default 60000). */ ms?: number; /** Buckets (default 10). */ buckets?: number };

/** Circuit breaker options (all times in ms). */
export interface CircuitBreakerOptions {
  /** Open after this many consecutive failures (default 5; 0 disables the rule). */
  failureThreshold?: number;
  /** Open when the failure rate in the rolling window reaches this, in (0, 1]. */
  failureRateThreshold?: number;
  /** Minimum calls in the window before rates are judged (default 10). */
  volumeThreshold?: number;
  /** Time spent OPEN before a probe is allowed (HALF_OPEN); default 60000. */
  resetTimeout?: number;
  /** Alias of `resetTimeout`. */
  recoveryTimeoutMs?: number;
  /** Successful probes in HALF_OPEN needed to close (default 1). */
  successThreshold?: number;
  /** Per-call timeout; a call over it fails with `TimeoutError` and counts as a failure (0 = none). */
  timeout?: number;
  /** Calls longer than this are slow. */
  slowCallDurationThreshold?: number;
  /** Open when the slow-call rate in the window reaches this, in (0, 1]. */
  slowCallRateThreshold?: number;
  /** Probes admitted at once in HALF_OPEN (default 1). */
  halfOpenMaxCalls?: number;
  /** The rolling window (default `{ kind: 'count', size: 100 }`). */
  window?: BreakerWindow;
  /** Which errors count as failures (default: all). Errors it returns false for count as successes, and still reject. */
  isFailure?: (error: unknown) => boolean;
  /** Drives engine time in tests (not with `scope: 'process'`). */
  clock?: ManualClock;
  /**
   * `'thread'` (default): this thread's own breaker. `'process'`: one breaker per name for every
   * worker thread of the process (same settings required; kept for the process's lifetime).
   */
  scope?: 'thread' | 'process';
}

/** Payload of `stateChange`. */
export interface StateChangeEvent {
  name: string;
  previousState: CircuitState;
  currentState: CircuitState;
}

/** Payload of `call`. */
export interface CallEvent {
  name: string;
  /** Whether the breaker counted the call as a success. */
  success: boolean;
  /** Milliseconds the call took. */
  duration: number;
  /** The call's error, when it failed. */
  error?: unknown;
}

/** Payload of `rejected`. */
export interface RejectedEvent {
  name: string;
  /** Milliseconds until probes are admitted. */
  retryAfter: number;
  /** The state that refused the call. */
  state: 'OPEN' | 'HALF_OPEN';
}

/** `getMetrics()` of a breaker. */
export interface CircuitBreakerMetrics {
  name: string;
  state: CircuitState;
  /** Calls that ran (successes + failures). */
  calls: number;
  successes: number;
  /** Failed calls, timeouts included. */
  failures: number;
  /** Calls refused without running. */
  rejections: number;
  timeouts: number;
  slowCalls: number;
  /** Failure rate in the rolling window. */
  failureRate: number;
  /** Slow-call rate in the rolling window. */
  slowCallRate: number;
  /** Calls in the rolling window. */
  windowCalls: number;
  consecutiveFailures: number;
  /** When this object last saw a state change (ms since the epoch; creation time if never). */
  lastStateChange: number;
}

/** A circuit breaker. */
export declare class CircuitBreaker extends EventEmitter {
  constructor(name: string, options?: CircuitBreakerOptions);
  /** The breaker's name. */
  readonly name: string;
  /** `'thread'` or `'process'` (one native state for every worker thread). */
  readonly scope: 'thread' | 'process';
  /** The state now (an OPEN breaker past its reset timeout reads HALF_OPEN). */
  readonly state: CircuitState;
  /** Whether the breaker is open because of `forceOpen()`. */
  readonly isForcedOpen: boolean;
  /**
   * Runs `fn` if admitted, else rejects with `CircuitOpenError` without calling it. `fn` receives an
   * `AbortSignal` when the breaker has a `timeout` (and declares a parameter), or the `signal` given.
   */
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, signal?: AbortSignal): Promise<T>;
  /** Opens the breaker until `reset()`. */
  forceOpen(): void;
  /** Closes the breaker and clears its rolling window and failure run. */
  reset(): void;
  /** Counters and rates. */
  getMetrics(): CircuitBreakerMetrics;

  on(event: 'stateChange', listener: (event: StateChangeEvent) => void): this;
  on(event: 'call', listener: (event: CallEvent) => void): this;
  on(event: 'rejected', listener: (event: RejectedEvent) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'stateChange', listener: (event: StateChangeEvent) => void): this;
  once(event: 'call', listener: (event: CallEvent) => void): this;
  once(event: 'rejected', listener: (event: RejectedEvent) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  off(event: 'stateChange', listener: (event: StateChangeEvent) => void): this;
  off(event: 'call', listener: (event: CallEvent) => void): this;
  off(event: 'rejected', listener: (event: RejectedEvent) => void): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** `getHealthStatus()` of the registry. */
export interface BreakerHealthStatus {
  /** Breakers CLOSED. */
  healthy: number;
  /** Breakers OPEN or HALF_OPEN. */
  unhealthy: number;
  breakers: Array<{ name: string; state: CircuitState }>;
}

/** Breakers by name, their health, and one `stateChange` stream for all of them. */
export declare class CircuitBreakerRegistry extends EventEmitter {
  /** The breaker called `name`; built from `factory()`'s options when there is none. */
  getOrCreate(name: string, factory?: () => CircuitBreakerOptions): CircuitBreaker;
  /** The breaker called `name`, built when new; same name with other settings throws a `RangeError`. */
  create(name: string, options?: CircuitBreakerOptions): CircuitBreaker;
  /** The breaker called `name`, or `undefined`. */
  get(name: string): CircuitBreaker | undefined;
  /** Every breaker, by name (a copy). */
  getAll(): Map<string, CircuitBreaker>;
  /** Forgets a breaker; returns whether there was one. */
  remove(name: string): boolean;
  /** Counts of healthy (CLOSED) and unhealthy breakers, and each one's state. */
  getHealthStatus(): BreakerHealthStatus;
  /** Resets every breaker to CLOSED. */
  resetAll(): void;
  /** Every metric of the process, Prometheus text format (same as the top-level `metrics()`). */
  metrics(): string;

  on(event: 'stateChange', listener: (event: StateChangeEvent) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** The registry of this thread. */
export declare const circuitBreakerRegistry: CircuitBreakerRegistry;

/**
 * Creates the breaker called `name`, registered in `circuitBreakerRegistry` (or returns the
 * existing one when its settings are the same; different settings throw a `RangeError`).
 */
export declare function createCircuitBreaker(name: string, options?: CircuitBreakerOptions): CircuitBreaker;

// ---------------------------------------------------------------- retry

/** Retry settings. */
export interface RetryConfig<T = unknown> {
  /** Total attempts, the first included (default 3). */
  maxAttempts?: number;
  /** First delay in ms (default 100). */
  initialDelay?: number;
  /** Largest delay in ms (default 30000). */
  maxDelay?: number;
  /** Exponential growth factor, in [1, 1000] (default 2). */
  backoffMultiplier?: number;
  /** How delays grow (default `'exponential'`). */
  strategy?: 'fixed' | 'linear' | 'exponential';
  /** `true`/`'full'`, `'equal'`, `'decorrelated'`, `false` (default), or a factor in [0, 1] (delay ± factor). */
  jitter?: boolean | 'full' | 'equal' | 'decorrelated' | number;
  /** Which errors to retry: codes, HTTP statuses, names or message substrings; or a predicate. Default: every error except `CIRCUIT_OPEN`. */
  retryableErrors?: string[] | ((error: any) => boolean);
  /** Retry when a result is not acceptable (returns true to retry); the last result is returned when attempts run out. */
  retryOnResult?: (value: T) => boolean;
  /** Called before each wait: `attempt` is the attempt that just failed (1-based), `delay` the wait in ms. */
  onRetry?: (attempt: number, error: any, delay: number) => void;
  /** Aborting ends a wait at once and rejects with the abort reason. */
  signal?: AbortSignal;
  /** Wait what a `Retry-After` on the error (or `error.retryAfter`, ms) asks, capped by `maxDelay`. */
  honorRetryAfter?: boolean;
  /** Reject with `RetryExhaustedError` instead of the last error when every attempt failed. */
  exhaustedError?: boolean;
  /** Seed of the jitter's random stream (deterministic tests). */
  seed?: number;
  /** Name in metrics (`retry_attempts_total{name}`); default `"retry"` (`"executeWithRetry"` there). */
  name?: string;
}

/** A reusable retry policy. */
export declare class RetryPolicy {
  constructor(config?: RetryConfig);
  /** Name in metrics. */
  readonly name: string;
  /** Total attempts allowed. */
  readonly maxAttempts: number;
  /** Counters since creation. */
  readonly stats: { calls: number; attempts: number; retries: number; successes: number; failures: number };
  /** Runs `fn` until it succeeds or the attempts are used up; rethrows the last error. */
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, signal?: AbortSignal): Promise<T>;
}

/** Runs `fn` with retries; by default rethrows the last error. */
export declare function executeWithRetry<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, config?: RetryConfig<T>): Promise<T>;

/** Ready-made retry configs (plain objects: spread and override them). */
export declare const RetryPolicies: {
  fixed(attempts?: number, delay?: number): RetryConfig;
  linear(attempts?: number, delay?: number): RetryConfig;
  exponential(attempts?: number, initialDelay?: number, maxDelay?: number): RetryConfig;
  apiRateLimit(): RetryConfig;
  network(): RetryConfig;
};

// ---------------------------------------------------------------- timeout

/** Timeout settings with a fallback. */
export interface TimeoutOptions<T = unknown> {
  /** Time limit in ms (1..2^31-1). */
  timeout: number;
  /** Resolve with this instead of rejecting when the time limit passes. */
  fallback?: (error: TimeoutError) => T;
  /** Called with the time limit when it passes. */
  onTimeout?: (duration: number) => void;
  /** Name in metrics (`timeout_operations_total{name}`); default `"withTimeout"` / `"timeout"`. */
  name?: string;
}

/**
 * Runs `fn`; rejects with `TimeoutError` if it has not settled in time (or resolves to `fallback()`).
 * `fn` receives an `AbortSignal` that aborts at the deadline when it declares a parameter.
 */
export declare function withTimeout<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, timeout: number | TimeoutOptions<T>): Promise<T>;

/** A reusable timeout policy. */
export declare class Timeout {
  constructor(timeout: number | TimeoutOptions);
  /** The time limit in ms. */
  readonly timeout: number;
  /** Name in metrics. */
  readonly name: string;
  execute<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, signal?: AbortSignal): Promise<T>;
}

/** Named timeout settings. */
export declare class TimeoutManager {
  /** Registers (or replaces) the settings called `name`. */
  register(name: string, config: number | TimeoutOptions): Timeout;
  /** The settings called `name`, or `undefined`. */
  get(name: string): { timeout: number } | undefined;
  /** Runs `fn` under the timeout registered as `name`. */
  execute<T>(name: string, fn: (signal: AbortSignal) => T | PromiseLike<T>): Promise<T>;
  /** Forgets the settings called `name`. */
  unregister(name: string): boolean;
}

/** The timeout manager of this thread. */
export declare const timeoutManager: TimeoutManager;

// ---------------------------------------------------------------- bulkhead

/** Bulkhead settings. */
export interface BulkheadOptions {
  name?: string;
  /** Executions at once (≥ 1). */
  maxConcurrent: number;
  /** Calls allowed to wait (default 0). */
  maxQueueSize?: number;
  /** Longest wait in the queue, ms (default: no limit). */
  timeout?: number;
  /** Called with `'BULKHEAD_QUEUE_FULL'` or `'BULKHEAD_QUEUE_TIMEOUT'` on each refusal. */
  onReject?: (reason: 'BULKHEAD_QUEUE_FULL' | 'BULKHEAD_QUEUE_TIMEOUT') => void;
  /**
   * `'thread'` (default): this thread's own permits. `'process'`: one permit pool and one FIFO
   * queue for every worker thread asking for this `name` with the same `maxConcurrent`,
   * `maxQueueSize` and `timeout` (other settings: `RangeError`); permits held by a thread that
   * ends or is terminated come back.
   */
  scope?: 'thread' | 'process';
}

/** `state` of a bulkhead. */
export interface BulkheadState {
  active: number;
  available: number;
  queued: number;
}

/** `getMetrics()` of a bulkhead. */
export interface BulkheadMetrics extends BulkheadState {
  name: string;
  maxConcurrent: number;
  maxQueueSize: number;
  completed: number;
  /** Every refusal: queue full and queue timeout. */
  rejected: number;
  /** Refusals because the call waited past the queue timeout. */
  timedOut: number;
}

/** Limits concurrent executions, with a bounded FIFO queue. */
export declare class Bulkhead extends EventEmitter {
  constructor(options: BulkheadOptions);
  readonly name: string;
  /** `'thread'` or `'process'` (one permit pool for every worker thread). */
  readonly scope: 'thread' | 'process';
  /**
   * With `scope: 'process'`: permits held now by calls made through this object (its lease; they
   * come back if the thread ends). `undefined` for a thread-scoped bulkhead.
   */
  readonly heldByThisThread?: number;
  readonly maxConcurrent: number;
  readonly maxQueueSize: number;
  /** Longest wait in the queue, ms (0 = no limit). */
  readonly timeout: number;
  /** `{ active, available, queued }` now. */
  readonly state: BulkheadState;
  /** Runs `fn` when a permit is free, else rejects with `BulkheadRejectedError`. */
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, signal?: AbortSignal): Promise<T>;
  getMetrics(): BulkheadMetrics;

  on(event: 'executionStarted' | 'executionCompleted', listener: (state: BulkheadState) => void): this;
  on(event: 'rejected', listener: (event: { name: string; reason: string; active: number; queued: number }) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** Creates a bulkhead: `maxConcurrent` at once, `maxQueueSize` waiting. */
export declare function createBulkhead(
  name: string,
  maxConcurrent: number,
  maxQueueSize?: number,
  options?: Pick<BulkheadOptions, 'timeout' | 'scope' | 'onReject'>,
): Bulkhead;

// ---------------------------------------------------------------- fallback

/** What a fallback answers with: a function of the error, a `{ handle }` object, or a static value. */
export type FallbackAnswer<F> = ((error: any) => F | PromiseLike<F>) | { handle(error: any): F | PromiseLike<F> } | F;

/** A reusable fallback policy. */
export declare class Fallback<F = unknown> {
  constructor(fallback: FallbackAnswer<F>, options?: { when?: (error: unknown) => boolean });
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, signal?: AbortSignal): Promise<T | F>;
}

/** Runs `fn`, answering with `fallback` when it fails. */
export declare function withFallback<T, F>(fn: () => T | PromiseLike<T>, fallback: FallbackAnswer<F>): Promise<T | F>;

// ---------------------------------------------------------------- composition

/** Bulkhead part of a policy object. */
export interface BulkheadPolicy {
  /** Executions at once (default 10). */
  maxConcurrent?: number;
  /** Calls allowed to wait (default 0). */
  maxQueueSize?: number;
  /** Longest wait in the queue, ms. */
  timeout?: number;
  onReject?: (reason: 'BULKHEAD_QUEUE_FULL' | 'BULKHEAD_QUEUE_TIMEOUT') => void;
}

/**
 * A policy object. Parts run outermost first:
 * fallback → retry → circuit breaker → rate limit → bulkhead → timeout (per attempt) → fn.
 * Unknown keys are refused (a typo must not disable protection).
 */
export interface ResiliencePolicy<F = unknown> {
  circuitBreaker?: CircuitBreakerOptions;
  /** Rate limit per name: over it, reject with `RateLimitedError`, or wait (`wait: true`, up to `maxWait` ms). */
  rateLimit?: RateLimitPolicyOptions;
  /** Cache per name (just inside the fallback): a hit skips every inner layer; `key()` picks the entry (default: the name). */
  cache?: CachePolicyOptions;
  retry?: RetryConfig | RetryPolicy;
  /** Per-attempt time limit in ms, or `{ timeout, fallback, onTimeout }`. */
  timeout?: number | TimeoutOptions | Timeout;
  bulkhead?: BulkheadPolicy;
  /** What to answer when everything else failed: a function of the error, a `{ handle }` object, or a value. */
  fallback?: FallbackAnswer<F>;
}

/** The guide's ready-made policy objects (fresh plain objects: spread and override them). */
export declare const ResiliencePolicies: {
  /** Breaker 5 failures / 60 s reset, exponential retry ×3, timeout 30 s, bulkhead 50 / 100. */
  api(): ResiliencePolicy;
  /** Breaker 3 / 120 s, rate-limit-aware retry ×3, timeout 120 s, bulkhead 10 / 50. */
  ai(): ResiliencePolicy;
  /** Breaker 10 / 30 s, exponential retry ×3, timeout 30 s, bulkhead 100 / 200. */
  database(): ResiliencePolicy;
  /** Breaker 5 / 60 s, network retry, timeout 15 s, bulkhead 20 / 50. */
  external(): ResiliencePolicy;
  /** No breaker, exponential retry ×5, timeout 60 s, bulkhead 5 / 10. */
  critical(): ResiliencePolicy;
};

/** `resilienceManager.getHealthStatus()`. */
export interface ResilienceHealthStatus {
  summary: { healthy: boolean; issues: string[] };
  circuitBreakers: { total: number; byState: { CLOSED: number; OPEN: number; HALF_OPEN: number } };
  bulkheads: Array<{ name: string; state: BulkheadState }>;
}

/** Named, composed protection. */
export declare class ResilienceManager {
  constructor(registry?: CircuitBreakerRegistry);
  /**
   * Runs `fn` under `policy`; the breaker and bulkhead are built once per `name` (a later call with
   * other breaker/bulkhead settings throws a `RangeError`); fallback, retry and timeout come from each call's policy.
   */
  execute<T, F = T>(name: string, fn: (signal?: AbortSignal) => T | PromiseLike<T>, policy?: ResiliencePolicy<F>, signal?: AbortSignal): Promise<T | F>;
  /** The breaker, rate limiter and bulkhead built for `name`. */
  get(name: string): { circuitBreaker: CircuitBreaker | undefined; bulkhead: Bulkhead | undefined; rateLimiter: RateLimiter | undefined; cache: Cache | undefined } | undefined;
  /** Forgets `name` so a later call builds it anew. */
  remove(name: string): boolean;
  /** Health of every registered breaker and named bulkhead. */
  getHealthStatus(): ResilienceHealthStatus;
}

/** The manager of this thread. */
export declare const resilienceManager: ResilienceManager;

/** Anything with `execute(fn, signal?)`. */
export interface ExecutablePolicy {
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, signal?: AbortSignal): Promise<any>;
}

/** Policies composed by `wrap`, outermost first. */
export interface WrappedPolicy extends ExecutablePolicy {
  readonly policies: readonly ExecutablePolicy[];
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, signal?: AbortSignal): Promise<T>;
}

/** Composes policy instances, outermost first: `wrap(retry, breaker, bulkhead, timeout).execute(fn)`. */
export declare function wrap(...policies: ExecutablePolicy[]): WrappedPolicy;

// ---------------------------------------------------------------- decorators

/**
 * A method decorator usable both with TypeScript's `experimentalDecorators` and with standard
 * (TC39) decorators.
 */
export interface ResilienceMethodDecorator {
  <This, Args extends any[], R>(
    value: (this: This, ...args: Args) => R,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => R>,
  ): (this: This, ...args: Args) => R;
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
}

/** Caches the method's result by a key made from its arguments (default: the arguments as JSON). */
export declare function WithCache(options: CachePolicyOptions & { name?: string }): ResilienceMethodDecorator;
export declare function WithCache(cache: Cache, options?: { key?: (...args: any[]) => CacheKey; ttl?: number }): ResilienceMethodDecorator;
/** Limits how often the method runs (rejects with `RateLimitedError`, or waits with `wait: true`). */
export declare function WithRateLimit(options: RateLimitPolicyOptions): ResilienceMethodDecorator;
export declare function WithRateLimit(limiter: RateLimiter, options?: { wait?: boolean; maxWait?: number }): ResilienceMethodDecorator;
/** Runs the method under `resilienceManager.execute(name, ..., policy)`. */
export declare function WithResilience(name: string, policy: ResiliencePolicy): ResilienceMethodDecorator;
/** Runs the method through the registered circuit breaker `name`. */
export declare function WithCircuitBreaker(name: string, options?: CircuitBreakerOptions): ResilienceMethodDecorator;
/** Retries the method. */
export declare function WithRetry(config?: RetryConfig): ResilienceMethodDecorator;
/** Rejects with `TimeoutError` when the method takes longer than `timeout` ms. */
export declare function WithTimeout(timeout: number | TimeoutOptions): ResilienceMethodDecorator;
/** At most `maxConcurrent` calls of the method at once (bulkhead `name`). */
export declare function WithBulkhead(
  name: string,
  maxConcurrent: number,
  maxQueueSize?: number,
  options?: Pick<BulkheadOptions, 'timeout' | 'scope' | 'onReject'>,
): ResilienceMethodDecorator;
/** Answers with `fallback` when the method fails. */
export declare function WithFallback(fallback: FallbackAnswer<unknown>): ResilienceMethodDecorator;

// ---------------------------------------------------------------- metrics

/**
 * Every breaker, bulkhead, retry and timeout metric of the process (all worker threads), as
 * Prometheus text format 0.0.4, rendered natively from native counters. Enables metrics on first use.
 */
export declare function metrics(): string;
/** Starts measuring breaker call durations for the histograms, process-wide. Idempotent; cannot be turned off. */
export declare function enableMetrics(): void;
/** Registers bulwark's metric families in a prom-client `Registry`; returns a function that removes them. */
export declare function registerPrometheusCollector(registry: {
  registerMetric(metric: object): void;
  removeSingleMetric(name: string): void;
  getSingleMetric(name: string): unknown;
}): () => void;
/** `'text/plain; version=0.0.4; charset=utf-8'`: the Content-Type of `metrics()`. */
export declare const METRICS_CONTENT_TYPE: string;

// ---------------------------------------------------------------- rate limiting

/** Rate limiter settings: `limit` requests per `interval` ms, `burst` at once. */
export interface RateLimiterOptions {
  /** Requests per interval (≥ 1). */
  limit: number;
  /** The interval in ms (e.g. 10000 for "50 per 10 seconds"). */
  interval: number;
  /** Requests admitted at once (default `limit`). */
  burst?: number;
  /** A named limiter is registered: the same name with the same settings returns it. */
  name?: string;
  clock?: ManualClock;
  /** `'process'`: one limit per name for every worker thread of the process (needs `name`). */
  scope?: 'thread' | 'process';
}

/** The answer of `consume`: times in ms. */
export interface RateLimitResult {
  allowed: boolean;
  /** Requests that could still be made right now. */
  remaining: number;
  /** Ms until a refused request would be admitted (0 when allowed). */
  retryAfter: number;
  /** Ms until the bucket is full again. */
  reset: number;
}

/** A rate limiter (GCRA, one lock-free native cell). */
export declare class RateLimiter {
  constructor(options: RateLimiterOptions);
  readonly name: string;
  readonly scope: 'thread' | 'process';
  readonly limit: number;
  readonly interval: number;
  readonly burst: number;
  /** Takes `n` (default 1) now if the limit allows; synchronous. */
  tryAcquire(n?: number): boolean;
  /** Takes `n` if allowed and says how things stand. */
  consume(n?: number): RateLimitResult;
  /** Resolves when `n` are taken (FIFO); refused at once with `RateLimitedError` if it would wait past `maxWait`. */
  acquire(n?: number, options?: { signal?: AbortSignal; maxWait?: number }): Promise<void>;
  /** Ms until `n` would be admitted (0: now). */
  retryAfter(n?: number): number;
  getMetrics(): { name: string; limit: number; interval: number; burst: number; remaining: number; allowed: number; limited: number; waited: number; refused: number; waiting: number };
}

/** A rate limiter: `limit` per `interval` ms, `burst` at once. */
export declare function createRateLimiter(options: RateLimiterOptions): RateLimiter;

/** Keyed rate limiter settings. */
export interface KeyedRateLimiterOptions extends RateLimiterOptions {
  /** Keys remembered at most (default 100000). */
  maxKeys?: number;
  /** When full and no key has recovered: evict the least recently used key (default) or reject new keys. */
  whenFull?: 'evict-lru' | 'reject';
  /** How often recovered keys are forgotten in the background, ms. */
  sweepInterval?: number;
}

/** Rate limits per key (user, IP, API key). */
export declare class KeyedRateLimiter {
  constructor(options: KeyedRateLimiterOptions);
  readonly name: string;
  readonly scope: 'thread' | 'process';
  readonly limit: number;
  readonly interval: number;
  readonly burst: number;
  readonly maxKeys: number;
  readonly whenFull: 'evict-lru' | 'reject';
  /** Takes `n` (default 1) for `key` if its limit allows; synchronous. */
  consume(key: string | number, n?: number): RateLimitResult;
  /** What `consume` would answer, taking nothing. */
  peek(key: string | number, n?: number): RateLimitResult;
  /** Forgets `key`. */
  delete(key: string | number): boolean;
  /** Keys remembered now. */
  readonly size: number;
  /** Stops the background sweep. */
  close(): void;
}

/** A rate limit per key. */
export declare function createKeyedRateLimiter(options: KeyedRateLimiterOptions): KeyedRateLimiter;

/** The `rateLimit` part of a policy object. */
export interface RateLimitPolicyOptions {
  limit: number;
  interval: number;
  burst?: number;
  /** Wait for a turn instead of rejecting (default false). */
  wait?: boolean;
  /** With `wait`: refuse at once when the wait would be longer (ms). */
  maxWait?: number;
  clock?: ManualClock;
}

/** A rate limiter as a policy layer for `wrap`. */
export declare class RateLimitPolicy implements ExecutablePolicy {
  constructor(limiter: RateLimiter, options?: { wait?: boolean; maxWait?: number });
  readonly limiter: RateLimiter;
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, signal?: AbortSignal): Promise<T>;
}

/** A request/response pair as `node:http` (and Express) passes it. */
export interface MiddlewareRequest {
  headers?: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string };
  ip?: string;
}
/** The response methods the middleware uses. */
export interface MiddlewareResponse {
  statusCode: number;
  headersSent?: boolean;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/**
 * Rate limiting for `node:http` and Express-style apps: `RateLimit-*` headers, and `429` with
 * `Retry-After` when over the limit. Returns whether the request may go on (calls `next()` then).
 */
export declare function rateLimitMiddleware<Req extends MiddlewareRequest = MiddlewareRequest, Res extends MiddlewareResponse = MiddlewareResponse>(options: {
  limiter: RateLimiter | KeyedRateLimiter;
  /** Picks the key of a keyed limiter (default: the client address). */
  key?: (req: Req) => string;
  /** Units a request takes (default 1). */
  cost?: (req: Req) => number;
  /** Send the RateLimit-* headers (default true). */
  headers?: boolean;
  /** Replaces the default 429 answer. */
  onLimited?: (req: Req, res: Res, result: RateLimitResult) => void;
}): (req: Req, res: Res, next?: (error?: unknown) => void) => boolean;

// ---------------------------------------------------------------- cache

/** A cache key: a string of at most 4096 characters, or a finite number (`1` and `'1'` differ). */
export type CacheKey = string | number;

/** Cache settings. */
export interface CacheOptions {
  /** The most entries kept: an integer in [1, 2^31-1]. */
  maxEntries: number;
  /** Default time to live of an entry, ms in [0, 2^31-1]; 0 or absent = no limit. */
  ttl?: number;
  /** How long past its ttl an entry is still served while one background refresh runs, ms (default 0). */
  staleWhileRevalidate?: number;
  /** Eviction policy: `'tinylfu'` (default: W-TinyLFU, admission by frequency) or `'lru'`. */
  policy?: 'tinylfu' | 'lru';
  /** Names the cache in metrics and errors (default `'cache'`). */
  name?: string;
  /** Drive expiry from a `ManualClock` (tests) instead of real time. */
  clock?: ManualClock;
}

/** What a fetcher is given besides the key. */
export interface CacheFetchContext {
  /** Aborts when every caller waiting for this fetch has aborted; undefined when none can. */
  signal: AbortSignal | undefined;
}

/** Options of `getOrFetch`. */
export interface CacheFetchOptions {
  /** Stops this caller's wait (rejects with the signal's reason); the fetch goes on for others. */
  signal?: AbortSignal;
  /** Time to live of the fetched value, ms (default: the cache's `ttl`). */
  ttl?: number;
}

/** `stats()`. */
export interface CacheStats {
  /** Lookups served from the cache (stale values included). */
  hits: number;
  /** Lookups that found no usable value (coalesced fetches included). */
  misses: number;
  /** `hits / (hits + misses)`, 0 before any lookup. */
  hitRate: number;
  /** Entries evicted to stay within `maxEntries` (reason `size`). */
  evictions: number;
  /** Entries removed because their time ran out. */
  expired: number;
  /** `getOrFetch` misses that joined a fetch already running for their key. */
  coalesced: number;
  /** Entries held. */
  size: number;
}

/** Why an entry left the cache. */
export type CacheEvictReason = 'size' | 'expired' | 'explicit' | 'replaced';

/** A bounded in-memory cache with ttl, stale-while-revalidate and one fetch per key. */
export declare class Cache<V = unknown> extends EventEmitter {
  constructor(options: CacheOptions);
  readonly name: string;
  readonly maxEntries: number;
  /** Default time to live, ms (0 = no limit). */
  readonly ttl: number;
  readonly staleWhileRevalidate: number;
  readonly policy: 'tinylfu' | 'lru';
  /** Entries held (expired ones not yet removed included). */
  readonly size: number;
  /** The value, or undefined; a stale value is served (and refreshed if `getOrFetch` loaded it). */
  get(key: CacheKey): V | undefined;
  /** Whether `get(key)` would return a value (moves no counter, reorders nothing). */
  has(key: CacheKey): boolean;
  /** Stores `value` for `ttl` ms (a number or `{ ttl }`; default the cache's; 0 = no limit). */
  set(key: CacheKey, value: V, ttl?: number | { ttl?: number }): this;
  /** Removes the entry; `true` if there was one. */
  delete(key: CacheKey): boolean;
  /** Removes every entry. */
  clear(): void;
  /** The cached value, or the fetcher's (stored; concurrent misses share one fetch). Never throws synchronously. */
  getOrFetch<T extends V = V>(key: CacheKey, fetcher: (key: CacheKey, context: CacheFetchContext) => T | PromiseLike<T>, options?: CacheFetchOptions): Promise<T>;
  stats(): CacheStats;
  /** Removes every entry whose time has run out now; returns how many. */
  prune(): number;

  on(event: 'evict', listener: (event: { key: CacheKey; value: V; reason: CacheEvictReason }) => void): this;
  on(event: 'refreshError', listener: (event: { key: CacheKey; error: unknown }) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** Creates a cache (see `CacheOptions`). */
export declare function createCache<V = unknown>(options: CacheOptions): Cache<V>;

/** The `cache` part of a policy object. */
export interface CachePolicyOptions {
  /** The entry's key, from the decorated method's arguments (policies: called with none). */
  key?: (...args: any[]) => CacheKey;
  /** Time to live of a cached result, ms. */
  ttl?: number;
  /** Entries kept (default 1000). */
  maxEntries?: number;
  staleWhileRevalidate?: number;
  policy?: 'tinylfu' | 'lru';
  clock?: ManualClock;
}

/** A cache as a policy layer for `wrap`. */
export declare class CachePolicy implements ExecutablePolicy {
  constructor(cache: Cache, options?: { key?: (...args: any[]) => CacheKey; ttl?: number }, fixedKey?: CacheKey);
  readonly cache: Cache;
  execute<T>(fn: (signal?: AbortSignal) => T | PromiseLike<T>, signal?: AbortSignal, args?: any[]): Promise<T>;
}
