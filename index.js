'use strict';
/**
 * bulwark: resilience policies with native state. The public entry point (CommonJS).
 * Re-exports only; see `docs/API.md`.
 */
const errors = require('./lib/errors');
const { CircuitBreaker, CircuitState } = require('./lib/breaker');
const { CircuitBreakerRegistry, circuitBreakerRegistry, createCircuitBreaker } = require('./lib/registry');
const { ManualClock } = require('./lib/clock');

module.exports = {
  ...errors,
  CircuitBreaker,
  CircuitState,
  CircuitBreakerRegistry,
  circuitBreakerRegistry,
  createCircuitBreaker,
  ManualClock,
};
