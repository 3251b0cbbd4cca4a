'use strict';
/**
 * Time as the shim sees it: `performance.now()`, or the `ManualClock` a policy was given so that
 * durations the shim measures agree with the engine's time.
 * @module clock
 */
const { ManualClock } = require('./native');
const { fail } = require('./validate');

const realNow = performance.now.bind(performance);

/**
 * Checks a `clock` option (undefined or a ManualClock).
 * @param {string} where
 * @param {unknown} clock
 * @returns {InstanceType<typeof ManualClock> | undefined}
 */
function clockOption(where, clock) {
  if (clock === undefined) return undefined;
  if (!(clock instanceof ManualClock)) fail(TypeError, where, 'clock', 'a ManualClock', clock);
  return clock;
}

/**
 * A function returning the time in ms on the given clock.
 * @param {InstanceType<typeof ManualClock> | undefined} clock
 * @returns {() => number}
 */
function nowFn(clock) {
  return clock === undefined ? realNow : () => clock.now();
}

module.exports = { ManualClock, clockOption, nowFn, realNow };
