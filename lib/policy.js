'use strict';
/**
 * A policy object — `{ circuitBreaker?, retry?, timeout?, bulkhead?, rateLimit?, fallback?, cache? }`
 * — checked and compiled once (per object) before anything runs. Unknown keys are refused by name
 * (a typo such as `circuitbreaker` must not silently disable protection), and every nested option
 * is validated as the single policy would validate it.
 * @module policy
 */
const v = require('./validate');
const { breakerOptions } = require('./breaker-options');
const { RetryPolicy } = require('./retry');
const { Timeout } = require('./timeout');
const { Fallback } = require('./fallback');
const { rateLimitSpec } = require('./rate-limit-policy');
const { cacheSpec } = require('./cache-policy');

/** The parts a policy object may have, in the order they wrap the call (outermost first). */
const POLICY_KEYS = Object.freeze(['fallback', 'cache', 'retry', 'circuitBreaker', 'rateLimit', 'bulkhead', 'timeout']);
/** Parts accepted by name that arrive with a later capability. */
const NOT_YET = Object.freeze({});
/** Keys of a policy object: its parts, and `scope`, the default scope of its stateful parts. */
const KNOWN_KEYS = Object.freeze([...POLICY_KEYS, 'scope']);
const BULKHEAD_KEYS = Object.freeze(['maxConcurrent', 'maxQueueSize', 'timeout', 'onReject', 'scope']);

/**
 * The bulkhead part's settings with defaults (maxConcurrent 10, no queue).
 * @param {string} where
 * @param {unknown} spec
 */
function bulkheadSpec(where, spec) {
  const o = v.options(where, spec, BULKHEAD_KEYS, 'policy.bulkhead options');
  const spec2 = {
    maxConcurrent: o.maxConcurrent === undefined ? 10 : v.count(where, 'policy.bulkhead.maxConcurrent', o.maxConcurrent, 1),
    maxQueueSize: o.maxQueueSize === undefined ? 0 : v.count(where, 'policy.bulkhead.maxQueueSize', o.maxQueueSize, 0),
  };
  if (o.timeout !== undefined) spec2.timeout = v.time(where, 'policy.bulkhead.timeout', o.timeout);
  if (o.onReject !== undefined) spec2.onReject = v.func(where, 'policy.bulkhead.onReject', o.onReject);
  spec2.scope = v.scope(`${where} policy.bulkhead`, o.scope);
  return spec2;
}

/**
 * @typedef {object} Plan
 * @property {Fallback|undefined} fallback
 * @property {RetryPolicy|undefined} retry
 * @property {object|undefined} circuitBreaker breaker options (validated)
 * @property {string} breakerKey the breaker options' identity for "same settings" checks
 * @property {object|undefined} bulkhead bulkhead settings with defaults
 * @property {string} bulkheadKey
 * @property {Timeout|undefined} timeout
 * @property {{ limiterOptions: object, wait: boolean, maxWait: number|undefined, key: string }|undefined} rateLimit
 * @property {string} rateLimitKey
 */

/**
 * Checks a policy object deeply and compiles its stateless parts.
 * @param {string} where call site for messages
 * @param {unknown} policy
 * @returns {Plan}
 */
function compilePolicy(where, policy) {
  const p = withScope(where, v.options(where, policy, KNOWN_KEYS, 'policy keys'));
  for (const key of Object.keys(NOT_YET)) {
    if (p[key] !== undefined) throw new TypeError(`${where}: policy.${key} is not supported yet (${NOT_YET[key]} is not part of this version)`);
  }
  let breakerKey = '';
  if (p.circuitBreaker !== undefined) breakerKey = breakerOptions(`${where} policy.circuitBreaker`, p.circuitBreaker).signature;
  const bulkhead = p.bulkhead === undefined ? undefined : bulkheadSpec(where, p.bulkhead);
  let retry;
  if (p.retry !== undefined) retry = p.retry instanceof RetryPolicy ? p.retry : new RetryPolicy(p.retry, `${where} policy.retry`);
  let timeout;
  if (p.timeout !== undefined) timeout = p.timeout instanceof Timeout ? p.timeout : new Timeout(p.timeout, `${where} policy.timeout`);
  const rateLimit = p.rateLimit === undefined ? undefined : rateLimitSpec(where, p.rateLimit);
  const cache = p.cache === undefined ? undefined : cacheSpec(where, p.cache);
  return {
    cache,
    cacheKey: cache === undefined ? '' : cache.identity,
    rateLimit,
    rateLimitKey: rateLimit === undefined ? '' : rateLimit.key,
    fallback: p.fallback === undefined ? undefined : new Fallback(p.fallback),
    retry,
    circuitBreaker: p.circuitBreaker,
    breakerKey,
    bulkhead,
    bulkheadKey: bulkhead === undefined ? '' : JSON.stringify({ ...bulkhead, onReject: bulkhead.onReject ? String(bulkhead.onReject) : null }),
    timeout,
  };
}

/**
 * `policy.scope` (`'thread'` or `'process'`) is the scope of every stateful part — circuit
 * breaker, rate limit, bulkhead — that does not name its own. (A cache holds JS values and
 * always belongs to its thread.) Returns the policy with the scope copied into those parts.
 */
function withScope(where, p) {
  if (p.scope === undefined) return p;
  const scope = v.scope(`${where} policy`, p.scope);
  const scoped = { ...p };
  for (const part of ['circuitBreaker', 'rateLimit', 'bulkhead']) {
    const spec = p[part];
    if (spec !== null && typeof spec === 'object' && spec.scope === undefined) {
      scoped[part] = { ...spec, scope };
    }
  }
  return scoped;
}

const plans = new WeakMap();

/**
 * The compiled plan of `policy`, cached per object: a policy object built once and reused is
 * validated once. (Mutating a policy object after its first use is not seen.)
 * @param {string} where
 * @param {unknown} policy
 * @returns {Plan}
 */
function planOf(where, policy) {
  if (policy !== null && typeof policy === 'object') {
    const cached = plans.get(policy);
    if (cached !== undefined) return cached;
    const plan = compilePolicy(where, policy);
    plans.set(policy, plan);
    return plan;
  }
  return compilePolicy(where, policy);
}

module.exports = { planOf, compilePolicy, bulkheadSpec, POLICY_KEYS };
