'use strict';
/**
 * Group "stack": the full stack — timeout 1 s, retry ×3, breaker, bulkhead 10/100 — through
 * `resilienceManager.execute` and through `wrap`, against cockatiel's
 * `wrap(timeout, retry, breaker, bulkhead)`.
 * @module benchmark/cases/stack
 */
const { asyncNoop, seqAndBatch } = require('./common');

const group = 'stack';

module.exports = [
  ...seqAndBatch({
    group,
    name: 'bulwark resilienceManager.execute',
    lib: 'bulwark',
    setup: () => {
      const { resilienceManager, RetryPolicies } = require('../../index.js');
      const policy = { timeout: 1000, retry: RetryPolicies.exponential(3), circuitBreaker: {}, bulkhead: { maxConcurrent: 10, maxQueueSize: 100 } };
      return () => resilienceManager.execute('bench-stack', asyncNoop, policy);
    },
  }),
  ...seqAndBatch({
    group,
    name: 'bulwark wrap',
    lib: 'bulwark',
    setup: () => {
      const { wrap, RetryPolicy, RetryPolicies, createCircuitBreaker, createBulkhead, Timeout } = require('../../index.js');
      const stack = wrap(new RetryPolicy(RetryPolicies.exponential(3)), createCircuitBreaker('bench-wrap', {}), createBulkhead('bench-wrap', 10, 100), new Timeout(1000));
      return () => stack.execute(asyncNoop);
    },
  }),
  ...seqAndBatch({
    group,
    name: 'cockatiel wrap(timeout, retry, breaker, bulkhead)',
    lib: 'cockatiel',
    target: 20,
    setup: () => {
      const c = require('cockatiel');
      const stack = c.wrap(
        c.timeout(1000, c.TimeoutStrategy.Cooperative),
        c.retry(c.handleAll, { maxAttempts: 3, backoff: new c.ExponentialBackoff() }),
        c.circuitBreaker(c.handleAll, { halfOpenAfter: 10_000, breaker: new c.ConsecutiveBreaker(5) }),
        c.bulkhead(10, 100),
      );
      return () => stack.execute(asyncNoop);
    },
  }),
];
