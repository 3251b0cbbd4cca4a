'use strict';
/**
 * The hot-path side of metrics: the process-wide "metrics enabled" flag and the counter cells of
 * retry and timeout policies, both native memory seen through `Int32Array` views.
 *
 * The flag is written only natively (`enableMetrics()`); every thread reads it with one
 * typed-array load. Counter cells follow `lib/bulkhead.js`'s single-writer discipline: this thread
 * keeps one block per (kind, name) and is its only writer, so a plain increment is exact; native
 * code only reads the blocks (summing every thread's blocks of a name) when metrics are rendered.
 * Layout of a block (`engine::policy_counters`): split 64-bit counters (low, high) at 0, 2, 4.
 * @module metric-cells
 */
const native = require('./native');

/** `METRICS_FLAG[0] !== 0` once metrics are enabled anywhere in the process. */
const METRICS_FLAG = native.metricsFlagView();

/** Retry block: attempts made after the first (retries). */
const RETRIES = 0;
/** Timeout block: calls that settled in time. */
const TIMEOUT_SUCCESS = 0;
/** Timeout block: calls that hit the time limit. */
const TIMEOUT_EXPIRED = 2;
/** Timeout block: calls that failed (with an error other than our timeout) in time. */
const TIMEOUT_FAILURE = 4;

/** @type {Record<'retry' | 'timeout', Map<string, Int32Array>>} */
const blocks = { retry: new Map(), timeout: new Map() };

/**
 * This thread's counter block for `kind` and `name` (made and registered natively on first use).
 * @param {'retry' | 'timeout'} kind
 * @param {string} name
 * @returns {Int32Array}
 */
function counterCells(kind, name) {
  const byName = blocks[kind];
  let cells = byName.get(name);
  if (cells === undefined) {
    cells = /** @type {Int32Array} */ (native.policyCounterCells(kind, name));
    byName.set(name, cells);
  }
  return cells;
}

/**
 * Adds one to the split (low, high) counter at `i` of a block this thread owns.
 * @param {Int32Array} cells
 * @param {number} i
 */
function bump(cells, i) {
  if (++cells[i] === 0) cells[i + 1]++;
}

module.exports = { METRICS_FLAG, RETRIES, TIMEOUT_SUCCESS, TIMEOUT_EXPIRED, TIMEOUT_FAILURE, counterCells, bump };
