'use strict';
/**
 * Checks rate limiter options: `{ limit, interval, burst?, name?, clock? }` (+ keyed options).
 * @module rate-limiter-options
 */
const v = require('./validate');
const { clockOption } = require('./clock');

/**
 * @param {string} where
 * @param {unknown} options
 * @param {readonly string[]} [extra] further allowed keys
 */
function limiterOptions(where, options, extra = []) {
  if (options === undefined) v.fail(TypeError, where, 'options', 'an object with limit and interval', options);
  const o = v.options(where, options, ['limit', 'interval', 'burst', 'name', 'clock', 'scope', ...extra]);
  if (o.limit === undefined) v.fail(TypeError, where, 'limit', 'an integer in [1, 2147483647]', undefined);
  if (o.interval === undefined) v.fail(TypeError, where, 'interval', 'a finite number of ms in [1, 2147483647]', undefined);
  const limit = v.count(where, 'limit', o.limit, 1);
  const interval = v.time(where, 'interval', o.interval, 1);
  const burst = o.burst === undefined ? limit : v.count(where, 'burst', o.burst, 1);
  if (interval * 1e6 < limit) throw new RangeError(`${where}: interval / limit must be at least 1 ns per request, got ${interval} ms / ${limit}`);
  const scope = v.scope(where, o.scope);
  if (scope === 'process' && o.name === undefined) v.fail(TypeError, where, 'name', "a non-empty string with scope 'process' (the name is what threads share)", undefined);
  if (scope === 'process' && o.clock !== undefined) {
    throw new TypeError(`${where}: clock cannot be used with scope 'process' (the threads of a process share real time)`);
  }
  return {
    o,
    scope,
    limit,
    interval,
    burst,
    name: o.name === undefined ? undefined : v.name(where, 'name', o.name),
    clock: clockOption(where, o.clock),
  };
}

module.exports = { limiterOptions };
