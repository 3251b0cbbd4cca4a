// bulwark: the ESM entry point. Re-exports the CommonJS entry, so both share one state.
import bulwark from './index.js';

export const {
  ResilienceError,
  CircuitOpenError,
  BulkheadRejectedError,
  TimeoutError,
  RateLimitedError,
  RetryExhaustedError,
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
} = bulwark;
export default bulwark;
