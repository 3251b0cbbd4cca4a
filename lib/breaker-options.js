'use strict';
/**
 * Checks and normalizes circuit breaker options (the guide's names, with resilience4j/Polly
 * extras), before anything is built.
 * @module breaker-options
 */
const v = require('./validate');
const { clockOption } = require('./clock');

const KNOWN = Object.freeze([
  'failureThreshold',
  'failureRateThreshold',
  'volumeThreshold',
  'resetTimeout',
  'recoveryTimeoutMs',
  'successThreshold',
  'timeout',
  'slowCallDurationThreshold',
  'slowCallRateThreshold',
  'halfOpenMaxCalls',
  'window',
  'isFailure',
  'clock',
  'scope',
]);

/** The guide's defaults. */
const DEFAULTS = Object.freeze({
  failureThreshold: 5,
  volumeThreshold: 10,
  resetTimeout: 60000,
  successThreshold: 1,
  halfOpenMaxCalls: 1,
  windowSize: 100,
});

function windowOption(where, window) {
  const w = v.options(where, window, ['kind', 'size', 'ms', 'buckets'], 'window');
  const kind = w.kind === undefined ? (w.ms !== undefined ? 'time' : 'count') : w.kind;
  if (kind === 'count') {
    if (w.ms !== undefined || w.buckets !== undefined) {
      throw new TypeError(`${where}: window.ms and window.buckets belong to { kind: 'time' }, not 'count'`);
    }
    return { windowKind: 'count', windowSize: w.size === undefined ? DEFAULTS.windowSize : v.count(where, 'window.size', w.size, 1, 1000000) };
  }
  if (kind === 'time') {
    if (w.size !== undefined) throw new TypeError(`${where}: window.size belongs to { kind: 'count' }, not 'time'`);
    return {
      windowKind: 'time',
      windowMs: w.ms === undefined ? 60000 : v.time(where, 'window.ms', w.ms, 1),
      windowBuckets: w.buckets === undefined ? 10 : v.count(where, 'window.buckets', w.buckets, 1, 1000),
    };
  }
  return v.fail(TypeError, where, 'window.kind', "'count' or 'time'", kind);
}

/**
 * Validated breaker settings.
 * @param {string} where the call site for messages, e.g. `createCircuitBreaker("api")`
 * @param {unknown} options
 * @returns {{ native: import('../binding').BreakerOptions, timeout: number, isFailure: ((e: unknown) => boolean) | undefined, clock: any, measure: boolean, signature: string }}
 */
function breakerOptions(where, options) {
  const o = v.options(where, options, KNOWN);
  const opt = (key, check, ...args) => (o[key] === undefined ? undefined : check(where, key, o[key], ...args));

  let resetTimeout = opt('resetTimeout', v.time);
  const alias = opt('recoveryTimeoutMs', v.time);
  if (resetTimeout !== undefined && alias !== undefined && resetTimeout !== alias) {
    throw new RangeError(`${where}: resetTimeout (${resetTimeout}) and its alias recoveryTimeoutMs (${alias}) disagree`);
  }
  resetTimeout = resetTimeout ?? alias ?? DEFAULTS.resetTimeout;

  const native = {
    failureThreshold: opt('failureThreshold', v.count, 0) ?? DEFAULTS.failureThreshold,
    failureRateThreshold: opt('failureRateThreshold', v.rate),
    slowCallRateThreshold: opt('slowCallRateThreshold', v.rate),
    slowCallDurationThreshold: opt('slowCallDurationThreshold', v.time),
    volumeThreshold: opt('volumeThreshold', v.count, 0) ?? DEFAULTS.volumeThreshold,
    resetTimeout,
    successThreshold: opt('successThreshold', v.count, 1, 65535) ?? DEFAULTS.successThreshold,
    halfOpenMaxCalls: opt('halfOpenMaxCalls', v.count, 1, 65535) ?? DEFAULTS.halfOpenMaxCalls,
    ...windowOption(where, o.window),
  };
  if (native.slowCallRateThreshold !== undefined && native.slowCallDurationThreshold === undefined) {
    throw new TypeError(`${where}: slowCallRateThreshold needs slowCallDurationThreshold (which calls are slow)`);
  }
  const usesRates = native.failureRateThreshold !== undefined || native.slowCallRateThreshold !== undefined;
  if (usesRates && native.windowKind === 'count' && native.volumeThreshold > native.windowSize) {
    throw new RangeError(
      `${where}: volumeThreshold (${native.volumeThreshold}) must not exceed window.size (${native.windowSize}), or rates are never judged`,
    );
  }
  const timeout = opt('timeout', v.time) ?? 0;
  const isFailure = opt('isFailure', v.func);
  const clock = clockOption(where, o.clock);
  const scope = v.scope(where, o.scope);
  if (scope === 'process' && clock !== undefined) {
    throw new TypeError(`${where}: clock cannot be used with scope 'process' (the threads of a process share real time)`);
  }
  return {
    scope,
    native,
    timeout,
    isFailure,
    clock,
    measure: native.slowCallDurationThreshold !== undefined,
    signature: JSON.stringify({ ...native, timeout, isFailure: isFailure ? String(isFailure) : null, scope }),
  };
}

module.exports = { breakerOptions, BREAKER_DEFAULTS: DEFAULTS, BREAKER_OPTION_NAMES: KNOWN };
