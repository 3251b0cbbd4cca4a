'use strict';
// Timeouts: the guide's examples, the deadline's AbortSignal, fallbacks, timeoutManager, and the
// shared deadline lists (no timer left behind).
const test = require('node:test');
const assert = require('node:assert/strict');
const { withTimeout, TimeoutError, timeoutManager, Timeout, ResilienceError } = require('..');
const { pendingDeadlines } = require('../lib/deadline');

const never = () => new Promise(() => {});

test('guide: withTimeout rejects with TimeoutError carrying the duration', async () => {
  try {
    await withTimeout(() => never(), 30);
    assert.fail('should time out');
  } catch (error) {
    assert.ok(error instanceof TimeoutError && error instanceof ResilienceError);
    assert.equal(error.code, 'TIMEOUT');
    assert.equal(error.duration, 30);
    assert.match(error.message, /30ms/);
  }
});

test('a call that settles in time resolves (or rejects) with its own outcome', async () => {
  assert.equal(await withTimeout(async () => 'fast', 1000), 'fast');
  assert.equal(await withTimeout(() => 5, 1000), 5);
  await assert.rejects(withTimeout(() => Promise.reject(new Error('own')), 1000), /own/);
  await assert.rejects(withTimeout(() => { throw new Error('sync own'); }, 1000), /sync own/);
  assert.equal(pendingDeadlines(), 0, 'settled calls leave no deadline behind');
});

test('guide: timeout with fallback and onTimeout', async () => {
  let reported;
  const result = await withTimeout(() => never(), {
    timeout: 20,
    fallback: () => 'Default value',
    onTimeout: (duration) => { reported = duration; },
  });
  assert.equal(result, 'Default value');
  assert.equal(reported, 20);
  // A fallback is not used for the function's own errors.
  await assert.rejects(withTimeout(() => Promise.reject(new Error('real')), { timeout: 1000, fallback: () => 'no' }), /real/);
});

test('fn receives an AbortSignal that aborts at the deadline with the TimeoutError', async () => {
  let seen;
  const error = await withTimeout((signal) => new Promise((resolve) => {
    signal.addEventListener('abort', () => { seen = signal.reason; resolve('ignored'); });
  }), 20).catch((e) => e);
  assert.ok(error instanceof TimeoutError);
  assert.equal(seen, error);
});

test('guide: timeoutManager.register / execute / get', async () => {
  timeoutManager.register('api.weather', { timeout: 10000 });
  timeoutManager.register('api.fast', { timeout: 15 });
  assert.deepEqual(timeoutManager.get('api.weather'), { timeout: 10000 });
  assert.equal(timeoutManager.get('missing'), undefined);
  assert.equal(await timeoutManager.execute('api.weather', async () => 'sunny'), 'sunny');
  await assert.rejects(timeoutManager.execute('api.fast', never), TimeoutError);
  await assert.rejects(timeoutManager.execute('missing', async () => 1), RangeError);
});

test('many concurrent timeouts of one duration expire together in order, sharing one list', async () => {
  const order = [];
  const calls = Array.from({ length: 20 }, (_, i) => withTimeout(never, 25).catch(() => order.push(i)));
  assert.equal(pendingDeadlines(), 20);
  await Promise.all(calls);
  assert.deepEqual(order, [...Array(20).keys()]);
  assert.equal(pendingDeadlines(), 0);
});

test('a Timeout policy combines its deadline with a caller signal', async () => {
  const policy = new Timeout(1000);
  const controller = new AbortController();
  const pending = policy.execute((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), controller.signal);
  controller.abort(new Error('caller gave up'));
  await assert.rejects(pending, /caller gave up/);
});

test('bad timeouts are refused', async () => {
  for (const bad of [0, -1, NaN, Infinity, 2 ** 31, '100', null, { timeout: 'x' }, { timeout: 10, fallback: 'x' }, { timout: 10 }]) {
    await assert.rejects(withTimeout(async () => 1, bad), (e) => (e instanceof TypeError || e instanceof RangeError) && e.message.startsWith('withTimeout(): '), String(bad));
  }
  await assert.rejects(withTimeout('fn', 10), TypeError);
  assert.throws(() => timeoutManager.register('x', { timeout: -5 }), RangeError);
  assert.throws(() => timeoutManager.register('', { timeout: 5 }), RangeError);
});
