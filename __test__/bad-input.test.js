'use strict';
// Bad options are refused before anything is built, with a TypeError/RangeError naming the
// function, the option, the rule and the value; the native layer refuses on its own too, and no
// panic reaches Node.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createCircuitBreaker, CircuitBreaker, circuitBreakerRegistry, ManualClock } = require('..');
const native = require('../binding.js');

const cases = [
  // [options, error class, option named in the message]
  [{ failureRateThreshold: 2 }, RangeError, 'failureRateThreshold'],
  [{ failureRateThreshold: 0 }, RangeError, 'failureRateThreshold'],
  [{ failureRateThreshold: NaN }, RangeError, 'failureRateThreshold'],
  [{ failureRateThreshold: '0.5' }, TypeError, 'failureRateThreshold'],
  [{ slowCallRateThreshold: -0.1, slowCallDurationThreshold: 10 }, RangeError, 'slowCallRateThreshold'],
  [{ failureThreshold: -1 }, RangeError, 'failureThreshold'],
  [{ failureThreshold: 2.5 }, RangeError, 'failureThreshold'],
  [{ failureThreshold: Infinity }, RangeError, 'failureThreshold'],
  [{ failureThreshold: '5' }, TypeError, 'failureThreshold'],
  [{ failureThreshold: null }, TypeError, 'failureThreshold'],
  [{ failureThreshold: 2 ** 31 }, RangeError, 'failureThreshold'],
  [{ volumeThreshold: -3 }, RangeError, 'volumeThreshold'],
  [{ resetTimeout: -1 }, RangeError, 'resetTimeout'],
  [{ resetTimeout: 2 ** 31 }, RangeError, 'resetTimeout'],
  [{ resetTimeout: -Infinity }, RangeError, 'resetTimeout'],
  [{ resetTimeout: NaN }, RangeError, 'resetTimeout'],
  [{ resetTimeout: {} }, TypeError, 'resetTimeout'],
  [{ recoveryTimeoutMs: 2 ** 31 }, RangeError, 'recoveryTimeoutMs'],
  [{ timeout: 1e12 }, RangeError, 'timeout'],
  [{ successThreshold: 0 }, RangeError, 'successThreshold'],
  [{ halfOpenMaxCalls: 70000 }, RangeError, 'halfOpenMaxCalls'],
  [{ slowCallDurationThreshold: -5 }, RangeError, 'slowCallDurationThreshold'],
  [{ slowCallRateThreshold: 0.5 }, TypeError, 'slowCallDurationThreshold'],
  [{ window: { kind: 'count', size: 0 } }, RangeError, 'window.size'],
  [{ window: { kind: 'count', size: 2e6 } }, RangeError, 'window.size'],
  [{ window: { kind: 'time', ms: 0 } }, RangeError, 'window.ms'],
  [{ window: { kind: 'time', ms: 1000, buckets: 0 } }, RangeError, 'window.buckets'],
  [{ window: { kind: 'sliding' } }, TypeError, 'window.kind'],
  [{ window: 'count' }, TypeError, 'window'],
  [{ failureRateThreshold: 0.5, volumeThreshold: 50, window: { size: 20 } }, RangeError, 'volumeThreshold'],
  [{ resetTimeout: 1000, recoveryTimeoutMs: 2000 }, RangeError, 'recoveryTimeoutMs'],
  [{ isFailure: true }, TypeError, 'isFailure'],
  [{ clock: { now: () => 0 } }, TypeError, 'clock'],
  [{ failureTreshold: 5 }, TypeError, "'failureTreshold'"],
  [42, TypeError, 'options'],
];

for (const [options, Kind, option] of cases) {
  test(`createCircuitBreaker refuses ${JSON.stringify(options) ?? String(options)}`, () => {
    const name = `bad-${option}-${Math.random()}`;
    assert.throws(
      () => createCircuitBreaker(name, options),
      (e) => {
        assert.ok(e instanceof Kind, `${e.constructor.name}: ${e.message}`);
        assert.ok(e.message.startsWith(`createCircuitBreaker(${JSON.stringify(name)}): `), e.message);
        assert.ok(e.message.includes(option), e.message);
        return true;
      },
    );
    assert.equal(circuitBreakerRegistry.get(name), undefined, 'nothing was registered');
  });
}

test('the message quotes the rule and the value given', () => {
  assert.throws(() => createCircuitBreaker('x-msg', { failureRateThreshold: 2 }), {
    name: 'RangeError',
    message: 'createCircuitBreaker("x-msg"): failureRateThreshold must be a number in (0, 1], got 2',
  });
});

test('bad names are refused', () => {
  assert.throws(() => createCircuitBreaker('', {}), RangeError);
  assert.throws(() => createCircuitBreaker(42, {}), TypeError);
  assert.throws(() => new CircuitBreaker(undefined), TypeError);
  assert.throws(() => createCircuitBreaker('x'.repeat(300)), RangeError);
});

test('the engine refuses bad settings on its own (RangeError, no panic, process alive)', () => {
  const base = {
    failureThreshold: 5, volumeThreshold: 10, resetTimeout: 1000, successThreshold: 1, halfOpenMaxCalls: 1, windowKind: 'count',
  };
  const refused = [
    [{ ...base, failureRateThreshold: 5 }, /failureRateThreshold must be a number in \(0, 1\], got 5/],
    [{ ...base, successThreshold: 0 }, /successThreshold/],
    [{ ...base, resetTimeout: -1 }, /resetTimeout/],
    [{ ...base, resetTimeout: 1e300 }, /resetTimeout/],
    [{ ...base, windowKind: 'time', windowMs: 0.5 }, /window\.ms/],
    [{ ...base, windowKind: 'hexagonal' }, /window\.kind/],
    [{ ...base, windowSize: 0 }, /window\.size/],
  ];
  for (const [options, pattern] of refused) {
    assert.throws(() => new native.NativeBreaker(options), (e) => e instanceof RangeError && pattern.test(e.message) && e.code === 'ERR_BULWARK_INVALID_OPTION');
  }
  assert.throws(() => new native.NativeBreaker({ ...base, failureThreshold: 'x' }));
  // Raw per-call functions refuse non-numbers with a TypeError instead of crashing.
  const nb = new native.NativeBreaker(base);
  const hot = nb.hotFunctions();
  assert.throws(() => hot.ok('ticket'), TypeError);
  assert.throws(() => hot.done(0, {}), TypeError);
  assert.equal(typeof hot.ok(0), 'number');
});

test('ManualClock refuses bad times and going backwards', () => {
  const clock = new ManualClock(10);
  assert.throws(() => clock.advance(-1), TypeError);
  assert.throws(() => clock.advance(NaN), TypeError);
  assert.throws(() => clock.set(5), RangeError);
  assert.throws(() => new ManualClock(Infinity), TypeError);
  assert.equal(clock.now(), 10);
});

test('execute refuses a non-function and a non-signal without throwing synchronously', async () => {
  const b = new CircuitBreaker('exec-bad');
  await assert.rejects(b.execute(null), /fn must be a function, got null/);
  await assert.rejects(b.execute(() => 1, 'signal'), /signal must be an AbortSignal/);
  assert.equal(b.getMetrics().calls, 0);
});
