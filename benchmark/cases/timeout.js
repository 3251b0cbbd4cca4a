'use strict';
/**
 * Group "timeout": a 1 s time limit around a call that settles at once.
 * @module benchmark/cases/timeout
 */
const { asyncNoop, seqAndBatch } = require('./common');

const group = 'timeout';

module.exports = [
  ...seqAndBatch({
    group,
    name: 'bulwark withTimeout',
    lib: 'bulwark',
    setup: () => {
      const { withTimeout } = require('../../index.js');
      return () => withTimeout(asyncNoop, 1000);
    },
  }),
  ...seqAndBatch({
    group,
    name: 'bulwark withTimeout (fn takes the signal)',
    lib: 'bulwark',
    setup: () => {
      const { withTimeout } = require('../../index.js');
      const usesSignal = async (signal) => signal;
      return () => withTimeout(usesSignal, 1000);
    },
  }),
  ...seqAndBatch({
    group,
    name: 'cockatiel timeout (cooperative)',
    lib: 'cockatiel',
    target: 20,
    setup: () => {
      const { timeout, TimeoutStrategy } = require('cockatiel');
      const policy = timeout(1000, TimeoutStrategy.Cooperative);
      return () => policy.execute(asyncNoop);
    },
  }),
];
