'use strict';
/**
 * Shared pieces of benchmark cases.
 * @module benchmark/cases/common
 */

/** The protected call every case wraps: an async function that does nothing. */
const asyncNoop = async () => {};

/**
 * The same case as two loop kinds: sequential `await` (`async`) and `width` calls in flight
 * (`batch`, default 100).
 * @param {object} base a case without `kind`
 * @param {number} [width]
 * @returns {object[]}
 */
function seqAndBatch(base, width = 100) {
  return [
    { ...base, kind: 'async' },
    { ...base, kind: 'batch', width },
  ];
}

module.exports = { asyncNoop, seqAndBatch };
