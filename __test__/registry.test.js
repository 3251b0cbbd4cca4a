'use strict';
// circuitBreakerRegistry and createCircuitBreaker: the guide's registry examples, health status,
// resetAll, one stateChange stream for every breaker, and same-name/different-settings conflicts.
const test = require('node:test');
const assert = require('node:assert/strict');
const { circuitBreakerRegistry, createCircuitBreaker, CircuitBreaker, CircuitState, ManualClock } = require('..');

let seq = 0;
const unique = (base) => `${base}-reg-${++seq}`;
const failTimes = async (b, n) => { for (let i = 0; i < n; i++) await b.execute(() => Promise.reject(new Error('x'))).catch(() => {}); };

test('guide: getOrCreate returns one breaker per name and calls the factory once', () => {
  const name = unique('my-service');
  let calls = 0;
  const factory = () => { calls++; return { failureThreshold: 5, resetTimeout: 60000 }; };
  const a = circuitBreakerRegistry.getOrCreate(name, factory);
  const b = circuitBreakerRegistry.getOrCreate(name, factory);
  assert.ok(a instanceof CircuitBreaker);
  assert.equal(a, b);
  assert.equal(calls, 1);
  assert.equal(circuitBreakerRegistry.get(name), a);
  assert.equal(circuitBreakerRegistry.get(unique('missing')), undefined);
  assert.equal(circuitBreakerRegistry.getAll().get(name), a);
});

test('guide: getHealthStatus counts healthy and unhealthy breakers; resetAll closes them all', async () => {
  const names = [unique('h1'), unique('h2'), unique('h3')];
  const [b1, b2] = names.map((n) => createCircuitBreaker(n, { failureThreshold: 1 }));
  const before = circuitBreakerRegistry.getHealthStatus();
  await failTimes(b1, 1);
  b2.forceOpen();
  const health = circuitBreakerRegistry.getHealthStatus();
  assert.equal(health.unhealthy, before.unhealthy + 2);
  assert.equal(health.healthy, before.healthy - 2);
  assert.equal(health.healthy + health.unhealthy, health.breakers.length);
  assert.deepEqual(health.breakers.find((b) => b.name === names[0]), { name: names[0], state: 'OPEN' });
  circuitBreakerRegistry.resetAll();
  const after = circuitBreakerRegistry.getHealthStatus();
  assert.equal(after.unhealthy, 0);
  assert.equal(b1.state, 'CLOSED');
  assert.equal(b2.state, 'CLOSED');
});

test('guide: the registry emits stateChange for every breaker, with its name', async () => {
  const events = [];
  const listener = ({ name, currentState }) => events.push([name, currentState]);
  circuitBreakerRegistry.on('stateChange', listener);
  const n1 = unique('alert-a');
  const n2 = unique('alert-b');
  await failTimes(createCircuitBreaker(n1, { failureThreshold: 1 }), 1);
  await failTimes(circuitBreakerRegistry.getOrCreate(n2, () => ({ failureThreshold: 2 })), 2);
  circuitBreakerRegistry.off('stateChange', listener);
  assert.deepEqual(events, [[n1, CircuitState.OPEN], [n2, CircuitState.OPEN]]);
});

test('createCircuitBreaker with the same name and settings returns the same breaker', () => {
  const name = unique('same');
  const a = createCircuitBreaker(name, { failureThreshold: 3, isFailure: (e) => e !== null });
  const b = createCircuitBreaker(name, { failureThreshold: 3, isFailure: (e) => e !== null });
  assert.equal(a, b);
});

test('createCircuitBreaker with the same name but other settings throws a RangeError naming them', () => {
  const name = unique('conflict');
  createCircuitBreaker(name, { failureThreshold: 3, resetTimeout: 1000 });
  assert.throws(
    () => createCircuitBreaker(name, { failureThreshold: 4, resetTimeout: 1000 }),
    (e) => e instanceof RangeError && /failureThreshold/.test(e.message) && !/resetTimeout/.test(e.message),
  );
});

test('remove() forgets a breaker; a new one with that name starts fresh', async () => {
  const name = unique('remove');
  const clock = new ManualClock();
  const a = createCircuitBreaker(name, { failureThreshold: 1, clock });
  await failTimes(a, 1);
  assert.equal(circuitBreakerRegistry.remove(name), true);
  assert.equal(circuitBreakerRegistry.remove(name), false);
  const b = createCircuitBreaker(name, { failureThreshold: 1, clock });
  assert.notEqual(a, b);
  assert.equal(b.state, 'CLOSED');
});

test('getOrCreate refuses a factory that is not a function', () => {
  assert.throws(() => circuitBreakerRegistry.getOrCreate(unique('f'), { failureThreshold: 1 }), TypeError);
});
