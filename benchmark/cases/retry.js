'use strict';
/**
 * Group "retry": the success path of a 3-attempt exponential retry.
 * @module benchmark/cases/retry
 */
const { asyncNoop, seqAndBatch } = require('./common');

const group = 'retry';

module.exports = [
  ...seqAndBatch({
    group,
    name: 'bulwark RetryPolicy.execute',
    lib: 'bulwark',
    setup: () => {
      const { RetryPolicy, RetryPolicies } = require('../../index.js');
      const policy = new RetryPolicy(RetryPolicies.exponential(3));
      return () => policy.execute(asyncNoop);
    },
  }),
  ...seqAndBatch({
    group,
    name: 'bulwark executeWithRetry',
    lib: 'bulwark',
    setup: () => {
      const { executeWithRetry, RetryPolicies } = require('../../index.js');
      const config = RetryPolicies.exponential(3);
      return () => executeWithRetry(asyncNoop, config);
    },
  }),
  ...seqAndBatch({
    group,
    name: 'cockatiel retry.execute',
    lib: 'cockatiel',
    target: 1.5,
    setup: () => {
      const { retry, handleAll, ExponentialBackoff } = require('cockatiel');
      const policy = retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() });
      return () => policy.execute(asyncNoop);
    },
  }),
];
