'use strict';
/**
 * bulwark: resilience policies with native state. The public entry point (CommonJS).
 * Re-exports only; see `docs/API.md`.
 */
const errors = require('./lib/errors');
const { CircuitBreaker, CircuitState } = require('./lib/breaker');
const { CircuitBreakerRegistry, circuitBreakerRegistry, createCircuitBreaker } = require('./lib/registry');
const { RetryPolicy, RetryPolicies, executeWithRetry } = require('./lib/retry');
const { withTimeout, Timeout, TimeoutManager, timeoutManager } = require('./lib/timeout');
const { Bulkhead, createBulkhead } = require('./lib/bulkhead');
const { Fallback, withFallback } = require('./lib/fallback');
const { ManualClock } = require('./lib/clock');
const { ResiliencePolicies } = require('./lib/presets');
const { wrap } = require('./lib/compose');
const { ResilienceManager, resilienceManager } = require('./lib/manager');
const { WithResilience, WithCircuitBreaker, WithRetry, WithTimeout, WithBulkhead, WithFallback, WithRateLimit, WithCache } = require('./lib/decorators');
const { CachePolicy } = require('./lib/cache-policy');
const { rateLimitMiddleware } = require('./lib/middleware');
const { RateLimitPolicy } = require('./lib/rate-limit-policy');
const { RateLimiter, createRateLimiter } = require('./lib/rate-limiter');
const { KeyedRateLimiter, createKeyedRateLimiter } = require('./lib/keyed-rate-limiter');
const { Cache, createCache } = require('./lib/cache');
const { metrics, enableMetrics, registerPrometheusCollector, METRICS_CONTENT_TYPE } = require('./lib/metrics');

module.exports = {
  ...errors,
  CircuitBreaker,
  CircuitState,
  CircuitBreakerRegistry,
  circuitBreakerRegistry,
  createCircuitBreaker,
  RetryPolicy,
  RetryPolicies,
  executeWithRetry,
  withTimeout,
  Timeout,
  TimeoutManager,
  timeoutManager,
  Bulkhead,
  createBulkhead,
  Fallback,
  withFallback,
  ManualClock,
  ResiliencePolicies,
  wrap,
  ResilienceManager,
  resilienceManager,
  WithResilience,
  WithCircuitBreaker,
  WithRetry,
  WithTimeout,
  WithBulkhead,
  WithFallback,
  WithRateLimit,
  WithCache,
  CachePolicy,
  rateLimitMiddleware,
  RateLimitPolicy,
  RateLimiter,
  createRateLimiter,
  KeyedRateLimiter,
  createKeyedRateLimiter,
  Cache,
  createCache,
  metrics,
  enableMetrics,
  registerPrometheusCollector,
  METRICS_CONTENT_TYPE,
};
