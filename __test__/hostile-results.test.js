'use strict';
// A fn whose result throws when inspected (a `then` getter that throws, a revoked Proxy) is a
// failure like a sync throw: every policy rejects (never throws synchronously) and gives back what
// it held — a bulkhead permit (both scopes), a half-open probe, a timeout's deadline.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Bulkhead, CircuitBreaker, ManualClock, RetryPolicy, withTimeout } = require('..');

const throwingThen = () => ({ get then() { throw new Error('then getter threw'); } });
const revokedProxy = () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

for (const scope of ['thread', 'process']) {
  test(`bulkhead (scope '${scope}'): a hostile result rejects and releases its permit`, async () => {
    const b = new Bulkhead({ name: `hostile-${scope}`, maxConcurrent: 1, maxQueueSize: 0, scope });
    for (const make of [throwingThen, revokedProxy]) {
      let promise;
      assert.doesNotThrow(() => { promise = b.execute(make); });
      await assert.rejects(promise);
      assert.deepEqual(b.state, { active: 0, available: 1, queued: 0 });
    }
    assert.equal(await b.execute(async () => 'still works'), 'still works');
  });
}

test('breaker: a hostile result is a failure, and a half-open probe slot is given back', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker('hostile', { failureThreshold: 1, resetTimeout: 1000, halfOpenMaxCalls: 1, clock });
  await assert.rejects(breaker.execute(revokedProxy));
  assert.equal(breaker.state, 'OPEN', 'counted as a failure');
  clock.advance(1000);
  await assert.rejects(breaker.execute(throwingThen));
  assert.equal(breaker.state, 'OPEN', 'the probe failed and reopened the breaker');
  clock.advance(1000);
  assert.equal(await breaker.execute(async () => 'probe'), 'probe', 'the probe slot was free again');
  assert.equal(breaker.state, 'CLOSED');
});

test('retry and withTimeout: a hostile result rejects instead of throwing', async () => {
  const retry = new RetryPolicy({ maxAttempts: 2, initialDelay: 0 });
  let promise;
  assert.doesNotThrow(() => { promise = retry.execute(revokedProxy); });
  await assert.rejects(promise);
  assert.doesNotThrow(() => { promise = withTimeout(revokedProxy, 1000); });
  await assert.rejects(promise);
  await assert.rejects(withTimeout(throwingThen, 1000), /then getter threw/);
});
