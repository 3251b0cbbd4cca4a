'use strict';
// Composition: ResiliencePolicies values, resilienceManager (order of layers, per-name state,
// health), wrap(), and a retry inside an open breaker that stops at once.
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  ResiliencePolicies, resilienceManager, wrap, RetryPolicies, RetryPolicy, Timeout, Bulkhead, Fallback,
  CircuitBreaker, CircuitOpenError, TimeoutError, ManualClock, circuitBreakerRegistry,
} = require('..');

let seq = 0;
const unique = (base) => `${base}-comp-${++seq}`;

test('ResiliencePolicies carry the guide values', () => {
  const api = ResiliencePolicies.api();
  assert.deepEqual(api.circuitBreaker, { failureThreshold: 5, resetTimeout: 60000 });
  assert.equal(api.retry.maxAttempts, 3);
  assert.equal(api.timeout, 30000);
  assert.deepEqual(api.bulkhead, { maxConcurrent: 50, maxQueueSize: 100 });
  const ai = ResiliencePolicies.ai();
  assert.deepEqual([ai.circuitBreaker.failureThreshold, ai.circuitBreaker.resetTimeout, ai.retry.maxAttempts, ai.retry.honorRetryAfter, ai.timeout, ai.bulkhead.maxConcurrent, ai.bulkhead.maxQueueSize], [3, 120000, 3, true, 120000, 10, 50]);
  const db = ResiliencePolicies.database();
  assert.deepEqual([db.circuitBreaker.failureThreshold, db.circuitBreaker.resetTimeout, db.retry.maxAttempts, db.timeout, db.bulkhead.maxConcurrent, db.bulkhead.maxQueueSize], [10, 30000, 3, 30000, 100, 200]);
  const ext = ResiliencePolicies.external();
  assert.deepEqual([ext.circuitBreaker.failureThreshold, ext.circuitBreaker.resetTimeout, ext.timeout, ext.bulkhead.maxConcurrent, ext.bulkhead.maxQueueSize], [5, 60000, 15000, 20, 50]);
  assert.equal(typeof ext.retry.retryableErrors, 'function');
  const critical = ResiliencePolicies.critical();
  assert.equal(critical.circuitBreaker, undefined, 'critical() has no breaker');
  assert.deepEqual([critical.retry.maxAttempts, critical.timeout, critical.bulkhead.maxConcurrent, critical.bulkhead.maxQueueSize], [5, 60000, 5, 10]);
  assert.notEqual(ResiliencePolicies.api(), ResiliencePolicies.api(), 'fresh objects to spread');
});

test('guide quick start: execute with a pre-configured policy', async () => {
  const result = await resilienceManager.execute(unique('my-operation'), async () => 'data', ResiliencePolicies.api());
  assert.equal(result, 'data');
});

test('layers run in the documented order: fallback → retry → breaker → bulkhead → timeout → fn', async () => {
  const entered = [];
  const spy = (label, policy) => ({ execute: (fn, signal) => { entered.push(label); return policy.execute(fn, signal); } });
  const stack = wrap(
    spy('fallback', new Fallback('fb')),
    spy('retry', new RetryPolicy({ maxAttempts: 1 })),
    spy('breaker', new CircuitBreaker(unique('order'))),
    spy('bulkhead', new Bulkhead({ maxConcurrent: 1 })),
    spy('timeout', new Timeout(1000)),
  );
  assert.equal(await stack.execute(async () => { entered.push('fn'); return 'ok'; }), 'ok');
  assert.deepEqual(entered, ['fallback', 'retry', 'breaker', 'bulkhead', 'timeout', 'fn']);

  // The manager builds the same order: prove it by the behaviour each order implies.
  const name = unique('mgr-order');
  const seen = [];
  const policy = {
    retry: { maxAttempts: 3, initialDelay: 1, onRetry: (attempt) => seen.push(`retry ${attempt}`) },
    circuitBreaker: { failureThreshold: 10 },
    bulkhead: { maxConcurrent: 1 },
    timeout: 20,
    fallback: (error) => { seen.push(`fallback ${error.code}`); return 'fallback'; },
  };
  const result = await resilienceManager.execute(name, () => new Promise(() => {}), policy);
  assert.equal(result, 'fallback');
  // timeout inside retry: every attempt timed out separately; the breaker saw each attempt.
  assert.deepEqual(seen, ['retry 1', 'retry 2', 'fallback TIMEOUT']);
  const { circuitBreaker, bulkhead } = resilienceManager.get(name);
  assert.equal(circuitBreaker.getMetrics().timeouts, 3);
  assert.equal(bulkhead.getMetrics().completed, 3, 'bulkhead permits were released after each timed-out attempt');
});

test('a retry inside an open breaker stops at once (CIRCUIT_OPEN is not retried)', async () => {
  const name = unique('open-retry');
  let calls = 0;
  const policy = { retry: { maxAttempts: 5, initialDelay: 60000 }, circuitBreaker: { failureThreshold: 1, resetTimeout: 60000 } };
  await resilienceManager.execute(name, async () => { calls++; throw new Error('down'); }, { ...policy, retry: { maxAttempts: 1 } }).catch(() => {});
  assert.equal(resilienceManager.get(name).circuitBreaker.state, 'OPEN');
  const started = Date.now();
  await assert.rejects(resilienceManager.execute(name, async () => { calls++; }, policy), CircuitOpenError);
  assert.ok(Date.now() - started < 1000, 'no backoff wait on an open circuit');
  assert.equal(calls, 1);
});

test('state is shared per name; fallback and retry come from each call', async () => {
  const name = unique('shared');
  const clock = new ManualClock();
  const base = { circuitBreaker: { failureThreshold: 2, clock } };
  await resilienceManager.execute(name, async () => { throw new Error('a'); }, { ...base, fallback: () => 1 });
  const second = await resilienceManager.execute(name, async () => { throw new Error('b'); }, { ...base, fallback: (e) => `second saw ${e.message}` });
  assert.equal(second, 'second saw b', 'the fallback of this call, not of the first');
  assert.equal(resilienceManager.get(name).circuitBreaker.state, 'OPEN', 'both calls fed one breaker');
  assert.equal(circuitBreakerRegistry.get(name), resilienceManager.get(name).circuitBreaker);
  await assert.rejects(resilienceManager.execute(name, async () => 1, { circuitBreaker: { failureThreshold: 3 } }), (e) => e instanceof RangeError && /circuitBreaker/.test(e.message));
  assert.equal(resilienceManager.remove(name), true);
  assert.equal(await resilienceManager.execute(name, async () => 'rebuilt', { circuitBreaker: { failureThreshold: 3 } }), 'rebuilt');
});

test('guide health endpoint: healthy, then degraded with issues', async () => {
  const name = unique('health');
  const health = resilienceManager.getHealthStatus();
  assert.equal(typeof health.summary.healthy, 'boolean');
  assert.ok(Array.isArray(health.summary.issues));
  assert.deepEqual(Object.keys(health.circuitBreakers.byState).sort(), ['CLOSED', 'HALF_OPEN', 'OPEN']);
  await resilienceManager.execute(name, async () => { throw new Error('x'); }, { circuitBreaker: { failureThreshold: 1 }, bulkhead: { maxConcurrent: 4 } }).catch(() => {});
  const after = resilienceManager.getHealthStatus();
  assert.equal(after.summary.healthy, false);
  assert.ok(after.summary.issues.some((i) => i.includes(name) && i.includes('OPEN')));
  assert.equal(after.circuitBreakers.byState.OPEN, health.circuitBreakers.byState.OPEN + 1);
  assert.equal(after.circuitBreakers.total, health.circuitBreakers.total + 1);
  const b = after.bulkheads.find((x) => x.name === name);
  assert.deepEqual(b.state, { active: 0, available: 4, queued: 0 });
  const utilization = (b.state.active / (b.state.active + b.state.available)) * 100;
  assert.equal(utilization, 0);
  resilienceManager.get(name).circuitBreaker.reset();
});

test('unknown policy keys are refused by name; nested options are validated', async () => {
  await assert.rejects(resilienceManager.execute(unique('typo'), async () => 1, { circuitbreaker: { failureThreshold: 1 } }), (e) => e instanceof TypeError && /'circuitbreaker'/.test(e.message));
  await assert.rejects(resilienceManager.execute(unique('nested'), async () => 1, { circuitBreaker: { failureRateThreshold: 3 } }), (e) => e instanceof RangeError && /failureRateThreshold/.test(e.message));
  await assert.rejects(resilienceManager.execute(unique('nested'), async () => 1, { retry: { maxAttempts: 0 } }), (e) => e instanceof RangeError && /maxAttempts/.test(e.message));
  await assert.rejects(resilienceManager.execute(unique('nested'), async () => 1, { timeout: -1 }), RangeError);
  await assert.rejects(resilienceManager.execute(unique('nested'), async () => 1, { bulkhead: { maxConcurrent: 0 } }), RangeError);
  await assert.rejects(resilienceManager.execute(unique('nested'), async () => 1, { bulkhead: { maxConcurent: 5 } }), /'maxConcurent'/);
  await assert.rejects(resilienceManager.execute(unique('nested'), async () => 1, { rateLimit: {} }), (e) => e instanceof TypeError && /limit/.test(e.message));
  await assert.rejects(resilienceManager.execute(unique('nested'), async () => 1, { rateLimit: { limit: 5, interval: 1000, wait: 'yes' } }), /policy.rateLimit.wait/);
  await assert.rejects(resilienceManager.execute(unique('nested'), async () => 1, { cache: { maxEntries: 0 } }), RangeError);
  await assert.rejects(resilienceManager.execute('', async () => 1, {}), RangeError);
  await assert.rejects(resilienceManager.execute(unique('fn'), 'nope', {}), TypeError);
  await assert.rejects(resilienceManager.execute(unique('p'), async () => 1, 'api'), TypeError);
});

test('wrap passes a signal to fn only when asked, and refuses non-policies', async () => {
  const stack = wrap(new RetryPolicy({ maxAttempts: 2, initialDelay: 1 }), new Timeout(50));
  let received;
  assert.equal(await stack.execute((signal) => { received = signal; return 'x'; }), 'x');
  assert.ok(received instanceof AbortSignal, 'the timeout handed fn its signal');
  await assert.rejects(stack.execute(() => new Promise(() => {})), TimeoutError);
  assert.throws(() => wrap({}), TypeError);
  assert.throws(() => wrap(null), TypeError);
  const nested = wrap(stack, new Fallback('inner failed'));
  assert.equal(await nested.execute(() => Promise.reject(new Error('x'))), 'inner failed');
});

test('guide custom policy runs as written', async () => {
  const customPolicy = {
    circuitBreaker: { failureThreshold: 10, resetTimeout: 300000 },
    retry: { maxAttempts: 5, initialDelay: 1, maxDelay: 60000, backoffMultiplier: 3 },
    timeout: 120000,
    bulkhead: { maxConcurrent: 3, maxQueueSize: 10 },
    fallback: () => ({ success: false, data: 'Service unavailable' }),
  };
  let n = 0;
  assert.equal(await resilienceManager.execute(unique('custom-op'), async () => (++n < 3 ? Promise.reject(new Error('flaky')) : 'third time'), customPolicy), 'third time');
  assert.deepEqual(await resilienceManager.execute(unique('custom-down'), async () => { throw new Error('down'); }, { ...customPolicy, retry: { maxAttempts: 2, initialDelay: 1 } }), { success: false, data: 'Service unavailable' });
});

test('cache part: a hit skips every inner layer; one fetch per key; failures and fallback answers are not cached', async () => {
  const name = unique('cached');
  let calls = 0;
  let key = 'k1';
  const policy = {
    cache: { key: () => key, ttl: 60000 },
    retry: { maxAttempts: 1 },
    circuitBreaker: { failureThreshold: 5 },
    fallback: () => 'fallback',
  };
  const fetchValue = async () => { calls++; return `value ${calls}`; };
  const results = await Promise.all(Array.from({ length: 10 }, () => resilienceManager.execute(name, fetchValue, policy)));
  assert.deepEqual(new Set(results), new Set(['value 1']));
  assert.equal(calls, 1, 'concurrent misses shared one fetch');
  assert.equal(await resilienceManager.execute(name, fetchValue, policy), 'value 1');
  assert.equal(resilienceManager.get(name).circuitBreaker.getMetrics().calls, 1, 'a hit never reached the breaker');
  key = 'k2';
  assert.equal(await resilienceManager.execute(name, async () => { throw new Error('down'); }, policy), 'fallback');
  assert.equal(resilienceManager.get(name).cache.has('k2'), false, 'neither the failure nor the fallback answer was cached');
  assert.equal(await resilienceManager.execute(name, fetchValue, policy), 'value 2');
  await assert.rejects(resilienceManager.execute(name, fetchValue, { ...policy, cache: { key: () => key, ttl: 1 } }), (e) => e instanceof RangeError && /cache/.test(e.message));
});

test('WithCache caches a method by its arguments', async () => {
  const { WithCache } = require('..');
  let runs = 0;
  const decorate = WithCache({ ttl: 60000, maxEntries: 10 });
  const descriptor = { value: async function price(symbol, venue) { runs++; return `${symbol}@${venue}:${this.rate}`; } };
  decorate({}, 'price', descriptor);
  const service = { rate: 2, price: descriptor.value };
  assert.equal(await service.price('ACME', 'XNAS'), 'ACME@XNAS:2');
  assert.equal(await service.price('ACME', 'XNAS'), 'ACME@XNAS:2');
  assert.equal(await service.price('ACME', 'XLON'), 'ACME@XLON:2');
  assert.equal(runs, 2);
  assert.equal(descriptor.value.name, 'price');
  assert.throws(() => WithCache({ ttl: -1 }), RangeError);
  assert.throws(() => WithCache({ key: 'symbol' }), TypeError);
});
