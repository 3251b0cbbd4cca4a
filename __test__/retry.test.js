'use strict';
// Retry: the guide's examples, delays per strategy, retryable errors, Retry-After, retryOnResult,
// abort during a wait, RetryExhaustedError on request. Waits are driven by mocked timers.
const test = require('node:test');
const assert = require('node:assert/strict');
const { executeWithRetry, RetryPolicies, RetryPolicy, RetryExhaustedError, CircuitOpenError } = require('..');

/** A function failing `failures` times with `error`, then returning `value`; counts its calls. */
function flaky(failures, error = new Error('transient'), value = 'ok') {
  const fn = async () => {
    fn.calls++;
    if (fn.calls <= failures) throw typeof error === 'function' ? error(fn.calls) : error;
    return value;
  };
  fn.calls = 0;
  return fn;
}

/** Runs `promise` while advancing mocked timers until it settles. */
async function drive(t, promise) {
  let done = false;
  const settled = promise.then((value) => ({ value }), (error) => ({ error })).finally(() => { done = true; });
  for (let i = 0; i < 10000 && !done; i++) {
    await new Promise((r) => setImmediate(r));
    t.mock.timers.tick(1000);
  }
  return settled;
}

test('guide: fixed policy retries 3 attempts with the same delay, then rethrows the last error', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const delays = [];
  const fn = flaky(10, (n) => new Error(`failure ${n}`));
  const { error } = await drive(t, executeWithRetry(fn, { ...RetryPolicies.fixed(3, 1000), onRetry: (a, e, d) => delays.push([a, d]) }));
  assert.equal(fn.calls, 3);
  assert.equal(error.message, 'failure 3', 'the last error, as is');
  assert.deepEqual(delays, [[1, 1000], [2, 1000]]);
});

test('exponential, linear delays follow their formula and stop at maxDelay', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const expo = [];
  await drive(t, executeWithRetry(flaky(10), { ...RetryPolicies.exponential(8, 100, 3000), onRetry: (a, e, d) => expo.push(d) }));
  assert.deepEqual(expo, [100, 200, 400, 800, 1600, 3000, 3000]);
  const lin = [];
  await drive(t, executeWithRetry(flaky(10), { ...RetryPolicies.linear(4, 250), onRetry: (a, e, d) => lin.push(d) }));
  assert.deepEqual(lin, [250, 500, 750]);
  const custom = [];
  await drive(t, executeWithRetry(flaky(10), { maxAttempts: 4, initialDelay: 10, backoffMultiplier: 3, onRetry: (a, e, d) => custom.push(d) }));
  assert.deepEqual(custom, [10, 30, 90]);
});

test('guide: custom config with jitter and retryableErrors; success after retries', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const log = [];
  const retryConfig = {
    maxAttempts: 5,
    initialDelay: 1000,
    maxDelay: 30000,
    backoffMultiplier: 2,
    jitter: true,
    retryableErrors: ['TIMEOUT', 'NETWORK_ERROR', '503'],
    onRetry: (attempt, error, delay) => log.push({ attempt, message: error.message, delay }),
  };
  const fn = flaky(3, (n) => Object.assign(new Error(`try ${n}`), { code: n === 2 ? 'NETWORK_ERROR' : undefined, status: n === 3 ? 503 : undefined, message: n === 1 ? 'TIMEOUT while reading' : `try ${n}` }));
  const { value } = await drive(t, executeWithRetry(fn, retryConfig));
  assert.equal(value, 'ok');
  assert.equal(fn.calls, 4);
  assert.deepEqual(log.map((l) => l.attempt), [1, 2, 3]);
  log.forEach((l, i) => assert.ok(l.delay >= 0 && l.delay <= 1000 * 2 ** i, `full jitter in [0, base]: ${l.delay}`));
});

test('retryableErrors: a non-matching error is not retried', async () => {
  const fn = flaky(5, Object.assign(new Error('bad request'), { status: 400 }));
  await assert.rejects(executeWithRetry(fn, { maxAttempts: 5, initialDelay: 1, retryableErrors: ['503', 'TIMEOUT'] }), /bad request/);
  assert.equal(fn.calls, 1);
});

test('guide: conditional retry with a predicate', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const retryConfig = {
    maxAttempts: 3,
    initialDelay: 1000,
    retryableErrors: (error) => error.code === 'RATE_LIMIT' || error.message.includes('temporarily unavailable'),
  };
  const a = flaky(2, new Error('Service temporarily unavailable'));
  assert.equal((await drive(t, executeWithRetry(a, retryConfig))).value, 'ok');
  const b = flaky(2, new Error('permanent'));
  assert.equal((await drive(t, executeWithRetry(b, retryConfig))).error.message, 'permanent');
  assert.equal(b.calls, 1);
});

test('apiRateLimit honours Retry-After in seconds, as an HTTP date, on Headers or plain objects, capped by maxDelay', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const delays = [];
  const errors = [
    Object.assign(new Error('429'), { status: 429, response: { headers: new Headers({ 'Retry-After': '2' }) } }),
    Object.assign(new Error('503'), { statusCode: 503, response: { headers: { 'retry-after': '7' } } }),
  ];
  const fn = flaky(2, (n) => errors[n - 1]);
  const { value } = await drive(t, executeWithRetry(fn, { ...RetryPolicies.apiRateLimit(), onRetry: (a, e, d) => delays.push(d) }));
  assert.equal(value, 'ok');
  assert.deepEqual(delays, [2000, 7000]);
  const capped = [];
  const g = flaky(1, Object.assign(new Error('slow down'), { code: 'RATE_LIMIT', retryAfter: 10 ** 9 }));
  await drive(t, executeWithRetry(g, { ...RetryPolicies.apiRateLimit(), onRetry: (a, e, d) => capped.push(d) }));
  assert.deepEqual(capped, [60000]);
  const dated = [];
  const when = new Date(Date.now() + 5000).toUTCString();
  const h = flaky(1, Object.assign(new Error('429'), { status: 429, headers: { 'Retry-After': when } }));
  await drive(t, executeWithRetry(h, { ...RetryPolicies.apiRateLimit(), onRetry: (a, e, d) => dated.push(d) }));
  assert.ok(dated[0] > 3000 && dated[0] <= 5000, `HTTP date: ${dated[0]}`);
  const other = flaky(1, new Error('not rate limited'));
  await assert.rejects(executeWithRetry(other, RetryPolicies.apiRateLimit()), /not rate limited/);
});

test('network() retries network error codes only', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'TIMEOUT', 'NETWORK_ERROR']) {
    const fn = flaky(1, Object.assign(new Error(code), { code }));
    assert.equal((await drive(t, executeWithRetry(fn, RetryPolicies.network()))).value, 'ok', code);
  }
  const fetchFailed = flaky(1, new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
  assert.equal((await drive(t, executeWithRetry(fetchFailed, RetryPolicies.network()))).value, 'ok');
  const logic = flaky(1, new RangeError('bug'));
  await assert.rejects(executeWithRetry(logic, RetryPolicies.network()), RangeError);
});

test('retryOnResult retries unacceptable results and returns the last one when attempts run out', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let n = 0;
  const fn = async () => ({ status: ++n < 3 ? 'pending' : 'done' });
  const { value } = await drive(t, executeWithRetry(fn, { maxAttempts: 5, initialDelay: 10, retryOnResult: (r) => r.status === 'pending' }));
  assert.deepEqual(value, { status: 'done' });
  let m = 0;
  const always = async () => ({ status: 'pending', n: ++m });
  assert.deepEqual((await drive(t, executeWithRetry(always, { maxAttempts: 2, initialDelay: 10, retryOnResult: (r) => r.status === 'pending' }))).value, { status: 'pending', n: 2 });
});

test('abort during a retry wait rejects at once with the abort reason and clears the timer', async () => {
  const controller = new AbortController();
  const fn = flaky(5);
  const started = Date.now();
  const pending = executeWithRetry(fn, { maxAttempts: 5, initialDelay: 60000, signal: controller.signal });
  await new Promise((r) => setImmediate(r));
  const reason = new Error('user cancelled');
  controller.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
  assert.ok(Date.now() - started < 1000);
  assert.equal(fn.calls, 1);
});

test('RetryExhaustedError only when asked for, with attempts and cause', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const last = new Error('last');
  const { error } = await drive(t, executeWithRetry(flaky(9, last), { maxAttempts: 2, initialDelay: 1, exhaustedError: true }));
  assert.ok(error instanceof RetryExhaustedError);
  assert.equal(error.code, 'RETRY_EXHAUSTED');
  assert.equal(error.attempts, 2);
  assert.equal(error.cause, last);
});

test('CIRCUIT_OPEN is not retried by default', async () => {
  const fn = flaky(5, new CircuitOpenError('dep', 1000));
  await assert.rejects(executeWithRetry(fn, { maxAttempts: 5, initialDelay: 1 }), CircuitOpenError);
  assert.equal(fn.calls, 1);
});

test('the success path makes one call; sync functions and sync throws work', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const policy = new RetryPolicy({ maxAttempts: 3, initialDelay: 5 });
  assert.equal(await policy.execute(() => 7), 7);
  let n = 0;
  assert.equal((await drive(t, policy.execute(() => { if (++n < 2) throw new Error('sync'); return 'second'; }))).value, 'second');
  assert.deepEqual(policy.stats, { calls: 2, attempts: 3, retries: 1, successes: 2, failures: 0 });
});

test('seeded jitter is deterministic', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const run = async () => {
    const delays = [];
    await drive(t, executeWithRetry(flaky(9), { maxAttempts: 6, initialDelay: 100, jitter: 'decorrelated', seed: 7, onRetry: (a, e, d) => delays.push(d) }));
    return delays;
  };
  const a = await run();
  assert.deepEqual(a, await run());
  assert.ok(a.every((d) => d >= 100 && d <= 30000));
});

test('bad retry configs are refused with the option named', async () => {
  const bad = [
    [{ maxAttempts: 0 }, RangeError, 'maxAttempts'],
    [{ maxAttempts: 1.5 }, RangeError, 'maxAttempts'],
    [{ initialDelay: -1 }, RangeError, 'initialDelay'],
    [{ maxDelay: 2 ** 31 }, RangeError, 'maxDelay'],
    [{ initialDelay: 500, maxDelay: 100 }, RangeError, 'maxDelay'],
    [{ backoffMultiplier: 0.5 }, RangeError, 'backoffMultiplier'],
    [{ backoffMultiplier: NaN }, RangeError, 'backoffMultiplier'],
    [{ jitter: 2 }, RangeError, 'jitter'],
    [{ jitter: 'chaotic' }, TypeError, 'jitter'],
    [{ retryableErrors: 'TIMEOUT' }, TypeError, 'retryableErrors'],
    [{ onRetry: 'log' }, TypeError, 'onRetry'],
    [{ maxAttemps: 3 }, TypeError, "'maxAttemps'"],
    [{ signal: {} }, TypeError, 'signal'],
  ];
  for (const [config, Kind, option] of bad) {
    await assert.rejects(executeWithRetry(async () => 1, config), (e) => e instanceof Kind && e.message.startsWith('executeWithRetry(): ') && e.message.includes(option), JSON.stringify(config));
  }
  await assert.rejects(executeWithRetry('nope'), TypeError);
});

test('a signal aborted before the first failure is handled stops the retry without waiting', async () => {
  const controller = new AbortController();
  const pending = executeWithRetry(() => Promise.reject(new Error('first')), { maxAttempts: 3, initialDelay: 60000, signal: controller.signal });
  controller.abort(new Error('gone'));
  const started = Date.now();
  await assert.rejects(pending, /gone/);
  assert.ok(Date.now() - started < 1000);
});
