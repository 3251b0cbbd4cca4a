'use strict';
/**
 * Option checks shared by every policy. Each throws a `TypeError` (wrong type) or `RangeError`
 * (out of range) whose message names the function, the option, the rule and the value:
 * `createCircuitBreaker("x"): failureRateThreshold must be a number in (0, 1], got 2`.
 * @module validate
 */

/** The longest a JS timer can wait, and so the ceiling of every time option (ms). */
const MAX_MS = 2147483647;
/** The ceiling of every count option. */
const MAX_COUNT = 2147483647;

/**
 * Renders a value for an error message.
 * @param {unknown} value
 * @returns {string}
 */
function show(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  const ctor = value.constructor && value.constructor.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/**
 * Throws the error for a broken rule.
 * @param {ErrorConstructor} Kind TypeError or RangeError
 * @param {string} where e.g. `createCircuitBreaker("x")`
 * @param {string} option
 * @param {string} rule phrased to follow "must be"
 * @param {unknown} value
 * @returns {never}
 */
function fail(Kind, where, option, rule, value) {
  throw new Kind(`${where}: ${option} must be ${rule}, got ${show(value)}`);
}

/**
 * An integer count in [min, max].
 * @returns {number}
 */
function count(where, option, value, min = 0, max = MAX_COUNT) {
  const rule = `an integer in [${min}, ${max}]`;
  if (typeof value !== 'number') fail(TypeError, where, option, rule, value);
  if (!Number.isInteger(value) || value < min || value > max) fail(RangeError, where, option, rule, value);
  return value;
}

/**
 * A time in ms: finite, in [min, 2^31-1].
 * @returns {number}
 */
function time(where, option, value, min = 0) {
  const rule = `a finite number of ms in [${min}, ${MAX_MS}]`;
  if (typeof value !== 'number') fail(TypeError, where, option, rule, value);
  if (!Number.isFinite(value) || value < min || value > MAX_MS) fail(RangeError, where, option, rule, value);
  return value;
}

/**
 * A rate in (0, 1].
 * @returns {number}
 */
function rate(where, option, value) {
  const rule = 'a number in (0, 1]';
  if (typeof value !== 'number') fail(TypeError, where, option, rule, value);
  if (!(value > 0 && value <= 1)) fail(RangeError, where, option, rule, value);
  return value;
}

/**
 * A function.
 * @returns {Function}
 */
function func(where, option, value) {
  if (typeof value !== 'function') fail(TypeError, where, option, 'a function', value);
  return value;
}

/**
 * A non-empty string of at most 256 characters (names of policies).
 * @returns {string}
 */
function name(where, option, value) {
  if (typeof value !== 'string') fail(TypeError, where, option, 'a non-empty string', value);
  if (value.length === 0 || value.length > 256) fail(RangeError, where, option, 'a string of 1 to 256 characters', value);
  return value;
}

/**
 * A plain options object (undefined reads as `{}`) holding only `allowed` keys; a typo is refused
 * with its name instead of being silently ignored.
 * @param {string} where
 * @param {unknown} value
 * @param {readonly string[]} allowed
 * @param {string} [option] the option's name when the object is itself an option
 * @returns {Record<string, unknown>}
 */
function options(where, value, allowed, option = 'options') {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(TypeError, where, option, 'an object', value);
  }
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new TypeError(
      `${where}: unknown ${option} ${unknown.map((k) => `'${k}'`).join(', ')} (known: ${allowed.join(', ')})`,
    );
  }
  return value;
}

/**
 * A `scope` option: `'thread'` (default) or `'process'` (one native state per name for every
 * worker thread of the process).
 * @returns {'thread' | 'process'}
 */
function scope(where, value) {
  if (value === undefined) return 'thread';
  if (value === 'host' || value === 'cluster') {
    fail(TypeError, where, 'scope', `'thread' or 'process' (scope '${value}' is designed in docs/SCOPES.md, not available in this version)`, value);
  }
  if (value !== 'thread' && value !== 'process') fail(TypeError, where, 'scope', "'thread' or 'process'", value);
  return value;
}

/**
 * Builds a native object with `build()`; an options error the native layer raises (for example
 * process-wide state of that name with other settings) is rethrown naming the user's call site
 * `where` instead of the native class.
 * @template T
 * @param {string} where
 * @param {() => T} build
 * @returns {T}
 */
function native(where, build) {
  try {
    return build();
  } catch (error) {
    if (error instanceof Error && error.code === 'ERR_BULWARK_INVALID_OPTION' && /^Native\w+: /.test(error.message)) {
      const named = new error.constructor(`${where}: ${error.message.replace(/^Native\w+: /, '')}`);
      named.code = error.code;
      throw named;
    }
    throw error;
  }
}

/**
 * Names a call site: `fn("name")`.
 * @param {string} fn
 * @param {unknown} policyName
 */
function site(fn, policyName) {
  return typeof policyName === 'string' ? `${fn}(${JSON.stringify(policyName)})` : `${fn}()`;
}

module.exports = { MAX_MS, MAX_COUNT, show, fail, count, time, rate, func, name, options, site, scope, native };
