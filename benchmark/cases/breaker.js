'use strict';
/**
 * Group "breaker": circuit breaker `execute` on the success path (CLOSED), against cockatiel and
 * opossum, plus the bare-await baseline.
 * @module benchmark/cases/breaker
 */
const { asyncNoop, seqAndBatch } = require('./common');

const group = 'breaker';

/** An opossum breaker around asyncNoop; shut down afterwards (it keeps status timers). */
function opossumSetup(options) {
  return () => {
    const CircuitBreaker = require('opossum');
    const breaker = new CircuitBreaker(asyncNoop, options);
    return { fn: () => breaker.fire(), teardown: () => breaker.shutdown() };
  };
}

module.exports = [
  ...seqAndBatch({
    group,
    name: 'bare await',
    lib: 'baseline',
    setup: () => () => asyncNoop(),
  }),
  ...seqAndBatch({
    group,
    name: 'bulwark breaker.execute',
    lib: 'bulwark',
    setup: () => {
      const { createCircuitBreaker } = require('../../index.js');
      const b = createCircuitBreaker('bench', {});
      return () => b.execute(asyncNoop);
    },
  }),
  ...seqAndBatch({
    group,
    name: 'cockatiel circuitBreaker.execute',
    lib: 'cockatiel',
    target: 1.5,
    setup: () => {
      const { circuitBreaker, handleAll, ConsecutiveBreaker } = require('cockatiel');
      const p = circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
      return () => p.execute(asyncNoop);
    },
  }),
  ...seqAndBatch({
    group,
    name: 'opossum fire',
    lib: 'opossum',
    label: 'opossum (timeout:false)',
    target: 5,
    setup: opossumSetup({ timeout: false }),
  }),
  ...seqAndBatch({
    group,
    name: 'opossum fire (timeout 10s)',
    lib: 'opossum',
    label: 'opossum (timeout 10s)',
    target: 5,
    setup: opossumSetup({}),
  }),
];
