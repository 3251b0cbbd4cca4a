'use strict';
/**
 * `ResiliencePolicies`: the guide's ready-made policy objects. Each call returns a fresh plain
 * object, so users can spread and override it (`{ ...ResiliencePolicies.api(), fallback }`).
 * @module presets
 */
const { RetryPolicies } = require('./retry');

/** Ready-made policy objects for common kinds of dependencies. */
const ResiliencePolicies = Object.freeze({
  /** API calls: breaker 5 failures / 60 s reset, exponential retry ×3, timeout 30 s, bulkhead 50 / 100 queued. */
  api: () => ({
    circuitBreaker: { failureThreshold: 5, resetTimeout: 60000 },
    retry: RetryPolicies.exponential(3),
    timeout: 30000,
    bulkhead: { maxConcurrent: 50, maxQueueSize: 100 },
  }),
  /** AI operations: breaker 3 / 120 s, rate-limit-aware retry ×3, timeout 120 s, bulkhead 10 / 50. */
  ai: () => ({
    circuitBreaker: { failureThreshold: 3, resetTimeout: 120000 },
    retry: { ...RetryPolicies.apiRateLimit(), maxAttempts: 3 },
    timeout: 120000,
    bulkhead: { maxConcurrent: 10, maxQueueSize: 50 },
  }),
  /** Database operations: breaker 10 / 30 s, exponential retry ×3, timeout 30 s, bulkhead 100 / 200. */
  database: () => ({
    circuitBreaker: { failureThreshold: 10, resetTimeout: 30000 },
    retry: RetryPolicies.exponential(3),
    timeout: 30000,
    bulkhead: { maxConcurrent: 100, maxQueueSize: 200 },
  }),
  /** External services: breaker 5 / 60 s, network-aware retry, timeout 15 s, bulkhead 20 / 50. */
  external: () => ({
    circuitBreaker: { failureThreshold: 5, resetTimeout: 60000 },
    retry: RetryPolicies.network(),
    timeout: 15000,
    bulkhead: { maxConcurrent: 20, maxQueueSize: 50 },
  }),
  /** Critical operations: no breaker (never refuse), exponential retry ×5, timeout 60 s, bulkhead 5 / 10. */
  critical: () => ({
    retry: RetryPolicies.exponential(5),
    timeout: 60000,
    bulkhead: { maxConcurrent: 5, maxQueueSize: 10 },
  }),
});

module.exports = { ResiliencePolicies };
