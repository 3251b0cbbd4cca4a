'use strict';
// The circuit breaker through the public API: the guide's examples, every transition driven by a
// ManualClock, events and their fields, half-open probe limits, timeouts, isFailure, listener faults.
const test = require('node:test');
const assert = require('node:assert/strict');
const {
  CircuitBreaker,
  CircuitState,
  CircuitOpenError,
  ResilienceError,
  TimeoutError,
  ManualClock,
  createCircuitBreaker,
  circuitBreakerRegistry,
} = require('..');

let seq = 0;
const unique = (base) => `${base}-${++seq}`;
const fail = (error = new Error('boom')) => () => Promise.reject(error);
const ok = (value = 'ok') => async () => value;
const settle = (p) => p.then((value) => ({ value }), (error) => ({ error }));

async function failTimes(breaker, n, error) {
  for (let i = 0; i < n; i++) await settle(breaker.execute(fail(error)));
}

test('guide basic usage: opens after 5 consecutive failures and rejects with code CIRCUIT_OPEN', async () => {
  const breaker = createCircuitBreaker(unique('external-api'), {
    failureThreshold: 5,
    failureRateThreshold: 0.5,
    resetTimeout: 60000,
    timeout: 3000,
    volumeThreshold: 10,
  });
  assert.equal(await breaker.execute(async () => 'data'), 'data');
  await failTimes(breaker, 5);
  assert.equal(breaker.state, CircuitState.OPEN);
  let called = false;
  const { error } = await settle(breaker.execute(async () => { called = true; }));
  assert.equal(called, false, 'fn must not run while open');
  assert.equal(error.code, 'CIRCUIT_OPEN');
  assert.ok(error instanceof CircuitOpenError && error instanceof ResilienceError && error instanceof Error);
  assert.ok(error.retryAfter > 59000 && error.retryAfter <= 60000, `retryAfter ${error.retryAfter}`);
});

test('a success in between resets the run of consecutive failures', async () => {
  const breaker = new CircuitBreaker(unique('run'), { failureThreshold: 3 });
  await failTimes(breaker, 2);
  await breaker.execute(ok());
  await failTimes(breaker, 2);
  assert.equal(breaker.state, 'CLOSED');
  assert.equal(breaker.getMetrics().consecutiveFailures, 2);
  await failTimes(breaker, 1);
  assert.equal(breaker.state, 'OPEN');
});

test('rejections of any kind count as failures: Error, string, undefined, sync throw', async () => {
  const breaker = new CircuitBreaker(unique('kinds'), { failureThreshold: 4 });
  assert.equal((await settle(breaker.execute(() => Promise.reject('a string')))).error, 'a string');
  assert.equal((await settle(breaker.execute(() => Promise.reject(undefined)))).error, undefined);
  assert.equal((await settle(breaker.execute(() => { throw new TypeError('sync'); }))).error.message, 'sync');
  assert.equal(breaker.getMetrics().consecutiveFailures, 3);
  await settle(breaker.execute(fail()));
  assert.equal(breaker.state, 'OPEN');
  assert.equal(breaker.getMetrics().failures, 4);
});

test('sync functions and plain values work; execute never throws synchronously', async () => {
  const breaker = new CircuitBreaker(unique('sync'));
  assert.equal(await breaker.execute(() => 42), 42);
  assert.equal(await breaker.execute(() => ({ then: (resolve) => resolve('thenable') })), 'thenable');
  const p = breaker.execute(() => { throw new Error('x'); });
  assert.ok(p instanceof Promise);
  await assert.rejects(p, /x/);
  await assert.rejects(breaker.execute('not a function'), TypeError);
  assert.equal(breaker.getMetrics().successes, 2);
});

test('failure rate opens only once volumeThreshold calls are in the window', async () => {
  const breaker = new CircuitBreaker(unique('rate'), {
    failureThreshold: 0,
    failureRateThreshold: 0.5,
    volumeThreshold: 10,
    window: { kind: 'count', size: 10 },
  });
  for (let i = 0; i < 4; i++) await breaker.execute(ok());
  await failTimes(breaker, 5);
  assert.equal(breaker.state, 'CLOSED', '9 calls: below the volume threshold');
  await failTimes(breaker, 1);
  assert.equal(breaker.state, 'OPEN', '10 calls, 6 failures = 60% >= 50%');
});

test('slow-call rate opens the breaker (durations on the ManualClock)', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker(unique('slow'), {
    slowCallDurationThreshold: 5000,
    slowCallRateThreshold: 0.3,
    volumeThreshold: 5,
    clock,
  });
  const slowCall = (ms) => breaker.execute(async () => { clock.advance(ms); return 'done'; });
  await slowCall(10);
  await slowCall(10);
  await slowCall(5000); // not slow: must be > threshold
  await slowCall(10);
  assert.equal(breaker.getMetrics().slowCalls, 0);
  await slowCall(5001);
  assert.equal(breaker.getMetrics().slowCalls, 1);
  assert.equal(breaker.state, 'CLOSED', '1/5 = 20% < 30%');
  await slowCall(6000);
  assert.equal(breaker.state, 'OPEN', '2/6 = 33% >= 30%');
});

test('OPEN -> HALF_OPEN after resetTimeout (not before), successThreshold probes close it', async () => {
  const clock = new ManualClock(1000);
  const breaker = new CircuitBreaker(unique('cycle'), { failureThreshold: 2, resetTimeout: 30000, successThreshold: 2, clock });
  const changes = [];
  breaker.on('stateChange', (e) => changes.push(`${e.previousState}->${e.currentState}`));
  await failTimes(breaker, 2);
  clock.advance(29999);
  assert.equal(breaker.state, 'OPEN');
  assert.equal((await settle(breaker.execute(ok()))).error.retryAfter, 1);
  clock.advance(1);
  assert.equal(breaker.state, 'HALF_OPEN');
  await breaker.execute(ok());
  assert.equal(breaker.state, 'HALF_OPEN', 'one success of two');
  await breaker.execute(ok());
  assert.equal(breaker.state, 'CLOSED');
  assert.deepEqual(changes, ['CLOSED->OPEN', 'OPEN->HALF_OPEN', 'HALF_OPEN->CLOSED']);
});

test('a failed probe reopens and restarts the reset timer', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker(unique('reopen'), { failureThreshold: 1, resetTimeout: 1000, clock });
  await failTimes(breaker, 1);
  clock.advance(1000);
  await settle(breaker.execute(fail()));
  assert.equal(breaker.state, 'OPEN');
  clock.advance(999);
  assert.equal(breaker.state, 'OPEN');
  clock.advance(1);
  assert.equal(breaker.state, 'HALF_OPEN');
});

test('half-open with 50 simultaneous calls admits exactly one probe (halfOpenMaxCalls default 1)', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker(unique('probe'), { failureThreshold: 1, resetTimeout: 100, clock });
  await failTimes(breaker, 1);
  clock.advance(100);
  let running = 0;
  let release;
  const gate = new Promise((r) => { release = r; });
  const calls = Array.from({ length: 50 }, () => settle(breaker.execute(async () => { running++; await gate; return 'probe'; })));
  await new Promise((r) => setImmediate(r));
  assert.equal(running, 1);
  release();
  const results = await Promise.all(calls);
  assert.equal(results.filter((r) => r.value === 'probe').length, 1);
  const refused = results.filter((r) => r.error && r.error.code === 'CIRCUIT_OPEN');
  assert.equal(refused.length, 49);
  assert.ok(refused.every((r) => r.error.state === 'HALF_OPEN' && /half-open/.test(r.error.message)));
  assert.equal(breaker.state, 'CLOSED');
});

test('halfOpenMaxCalls: 3 admits three probes at once', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker(unique('probes3'), { failureThreshold: 1, resetTimeout: 1, halfOpenMaxCalls: 3, successThreshold: 3, clock });
  await failTimes(breaker, 1);
  clock.advance(1);
  let release;
  const gate = new Promise((r) => { release = r; });
  const calls = Array.from({ length: 10 }, () => settle(breaker.execute(() => gate)));
  release('x');
  const results = await Promise.all(calls);
  assert.equal(results.filter((r) => r.value === 'x').length, 3);
  assert.equal(breaker.state, 'CLOSED');
});

test('a call admitted before a transition does not count in the new state', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker(unique('stale'), { failureThreshold: 1, resetTimeout: 10, clock });
  let finishOld;
  const old = breaker.execute(() => new Promise((resolve) => { finishOld = resolve; }));
  await failTimes(breaker, 1); // opens while `old` is in flight
  clock.advance(10);
  assert.equal(breaker.state, 'HALF_OPEN');
  finishOld('late');
  assert.equal(await old, 'late');
  assert.equal(breaker.state, 'HALF_OPEN', 'the stale success must not close the breaker');
});

test('per-call timeout rejects with TimeoutError, counts as a failure, aborts the signal', async () => {
  const breaker = new CircuitBreaker(unique('timeout'), { failureThreshold: 2, timeout: 20 });
  let aborted;
  const { error } = await settle(breaker.execute((signal) => new Promise((resolve) => {
    signal.addEventListener('abort', () => { aborted = signal.reason; resolve('too late'); });
  })));
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.code, 'TIMEOUT');
  assert.equal(error.duration, 20);
  assert.equal(aborted, error);
  const m = breaker.getMetrics();
  assert.equal(m.timeouts, 1);
  assert.equal(m.failures, 1);
  await settle(breaker.execute(() => new Promise(() => {})));
  assert.equal(breaker.state, 'OPEN');
});

test('isFailure decides which errors count; ignored errors still reject', async () => {
  const breaker = new CircuitBreaker(unique('isFailure'), {
    failureThreshold: 2,
    isFailure: (error) => !(error && error.status === 404),
  });
  const notFound = Object.assign(new Error('not found'), { status: 404 });
  for (let i = 0; i < 5; i++) assert.equal((await settle(breaker.execute(fail(notFound)))).error, notFound);
  assert.equal(breaker.state, 'CLOSED');
  assert.equal(breaker.getMetrics().successes, 5);
  await failTimes(breaker, 2);
  assert.equal(breaker.state, 'OPEN');
});

test('events carry the documented fields and come before the call settles', async () => {
  const breaker = new CircuitBreaker(unique('events'), { failureThreshold: 1 });
  const seen = [];
  breaker.on('call', (e) => seen.push(['call', e]));
  breaker.on('stateChange', (e) => seen.push(['stateChange', e]));
  breaker.on('rejected', (e) => seen.push(['rejected', e]));
  await breaker.execute(ok());
  const boom = new Error('boom');
  await settle(breaker.execute(fail(boom)));
  await settle(breaker.execute(ok()));
  const [call1, call2, change] = seen;
  assert.deepEqual(Object.keys(call1[1]).sort(), ['duration', 'error', 'name', 'success']);
  assert.equal(call1[1].success, true);
  assert.equal(call1[1].name, breaker.name);
  assert.ok(typeof call1[1].duration === 'number' && call1[1].duration >= 0);
  assert.equal(call2[1].success, false);
  assert.equal(call2[1].error, boom);
  assert.deepEqual(change, ['stateChange', { name: breaker.name, previousState: 'CLOSED', currentState: 'OPEN' }]);
  assert.equal(seen.at(-1)[0], 'rejected');
  assert.equal(seen.at(-1)[1].name, breaker.name);
});

test('stateChange is emitted before the promise of the call that caused it settles', async () => {
  const breaker = new CircuitBreaker(unique('order'), { failureThreshold: 1 });
  const order = [];
  breaker.on('stateChange', () => order.push('stateChange'));
  await breaker.execute(fail()).catch(() => order.push('rejected'));
  assert.deepEqual(order, ['stateChange', 'rejected']);
});

test('a listener that throws changes neither the result nor the state (warning instead)', async () => {
  const breaker = new CircuitBreaker(unique('listener'), { failureThreshold: 1 });
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on('warning', onWarning);
  breaker.on('stateChange', () => { throw new Error('listener bug'); });
  breaker.on('call', () => { throw new Error('listener bug 2'); });
  const after = [];
  breaker.on('stateChange', (e) => after.push(e.currentState));
  const { error } = await settle(breaker.execute(fail(new Error('real'))));
  assert.equal(error.message, 'real');
  assert.equal(breaker.state, 'OPEN');
  assert.deepEqual(after, ['OPEN'], 'later listeners still run');
  breaker.reset();
  assert.equal(await breaker.execute(ok('fine')), 'fine');
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.ok(warnings.some((w) => /listener bug/.test(w.message)));
});

test('forceOpen() rejects until reset(); reset() closes and clears the failure run', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker(unique('force'), { failureThreshold: 3, resetTimeout: 1, clock });
  await failTimes(breaker, 2);
  breaker.forceOpen();
  assert.equal(breaker.state, 'OPEN');
  assert.equal(breaker.isForcedOpen, true);
  clock.advance(1000); // far past resetTimeout: a forced breaker does not half-open
  const { error } = await settle(breaker.execute(ok()));
  assert.equal(error.code, 'CIRCUIT_OPEN');
  assert.equal(error.retryAfter, Infinity);
  breaker.reset();
  assert.equal(breaker.state, 'CLOSED');
  await failTimes(breaker, 2);
  assert.equal(breaker.state, 'CLOSED', 'the run restarted at reset');
});

test('getMetrics() reports counts and rates', async () => {
  const breaker = new CircuitBreaker(unique('metrics'), { failureThreshold: 0, window: { size: 4 } });
  await breaker.execute(ok());
  await failTimes(breaker, 1);
  await breaker.execute(ok());
  await failTimes(breaker, 1);
  const m = breaker.getMetrics();
  assert.equal(m.calls, 4);
  assert.equal(m.successes, 2);
  assert.equal(m.failures, 2);
  assert.equal(m.failureRate, 0.5);
  assert.equal(m.windowCalls, 4);
  assert.equal(m.state, 'CLOSED');
  assert.equal(typeof m.lastStateChange, 'number');
  for (const key of ['rejections', 'slowCalls', 'slowCallRate', 'consecutiveFailures']) assert.equal(typeof m[key], 'number', key);
});

test('time-based window: old failures leave the window', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker(unique('timewin'), {
    failureThreshold: 0,
    failureRateThreshold: 0.5,
    volumeThreshold: 4,
    window: { kind: 'time', ms: 10000, buckets: 10 },
    clock,
  });
  await failTimes(breaker, 3);
  clock.advance(10000);
  await breaker.execute(ok());
  await breaker.execute(ok());
  await breaker.execute(ok());
  await failTimes(breaker, 1);
  assert.equal(breaker.state, 'CLOSED', 'only 1 of the 4 calls in the window failed');
  assert.equal(breaker.getMetrics().failureRate, 0.25);
});

test('recoveryTimeoutMs is an alias of resetTimeout', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker(unique('alias'), { failureThreshold: 1, recoveryTimeoutMs: 500, clock });
  await failTimes(breaker, 1);
  clock.advance(499);
  assert.equal(breaker.state, 'OPEN');
  clock.advance(1);
  assert.equal(breaker.state, 'HALF_OPEN');
});

test('an aborted signal rejects before the breaker admits or counts anything', async () => {
  const breaker = new CircuitBreaker(unique('signal'));
  const controller = new AbortController();
  controller.abort(new Error('cancelled'));
  let called = false;
  await assert.rejects(breaker.execute(() => { called = true; }, controller.signal), /cancelled/);
  assert.equal(called, false);
  assert.equal(breaker.getMetrics().calls, 0);
  const live = new AbortController();
  assert.equal(await breaker.execute((signal) => signal === live.signal, live.signal), true);
});

test('guide: force a registered breaker open for testing', async () => {
  const name = unique('external-api');
  createCircuitBreaker(name, { failureThreshold: 5 });
  circuitBreakerRegistry.get(name)?.forceOpen();
  assert.equal(circuitBreakerRegistry.get(name).state, 'OPEN');
  circuitBreakerRegistry.get(name).reset();
});

test('batched successes: counts, window and failure runs stay exact', async () => {
  const breaker = new CircuitBreaker(unique('batched'), { failureThreshold: 3, window: { size: 100 } });
  for (let i = 0; i < 1000; i++) await breaker.execute(ok());
  let m = breaker.getMetrics();
  assert.equal(m.successes, 1000);
  assert.equal(m.windowCalls, 100);
  await failTimes(breaker, 2);
  for (let i = 0; i < 45; i++) await breaker.execute(ok()); // a run of successes between failures
  await failTimes(breaker, 2);
  assert.equal(breaker.state, 'CLOSED', 'the successes reset the failure run before the next failures were counted');
  m = breaker.getMetrics();
  assert.equal(m.consecutiveFailures, 2);
  assert.equal(m.failureRate, 0.04, 'window order kept: 4 failures among the last 100 calls');
  await failTimes(breaker, 1);
  assert.equal(breaker.state, 'OPEN');
});

test('metrics() shows batched successes exactly, without getMetrics()', async () => {
  const { metrics } = require('..');
  const name = unique('batched-metrics');
  const breaker = createCircuitBreaker(name, {});
  for (let i = 0; i < 45; i++) await breaker.execute(ok());
  const line = metrics().split('\n').find((l) => l.startsWith('circuit_breaker_calls_total') && l.includes(`name="${name}"`) && l.includes('result="success"'));
  assert.ok(line, 'the success counter is rendered');
  assert.equal(Number(line.split(' ').pop()), 45);
});
