'use strict';
// resilienceManager with policy.scope 'process': the per-name breaker, rate limiter and bulkhead
// are one native state for every worker thread of the process.
const test = require('node:test');
const assert = require('node:assert/strict');
const { resilienceManager, CircuitOpenError } = require('..');
const { inWorker } = require('./in-worker');

const POLICY_SOURCE = `({
  scope: 'process',
  circuitBreaker: { failureThreshold: 100, resetTimeout: 60000 },
  rateLimit: { limit: 40, interval: 3600000 },
  bulkhead: { maxConcurrent: 2, maxQueueSize: 1000 },
})`;
// eslint-disable-next-line no-eval
const policy = eval(POLICY_SOURCE);

test('a manager name with policy.scope "process" shares its rate limit, bulkhead and breaker across workers', async () => {
  const counters = new Int32Array(new SharedArrayBuffer(12)); // [running, peak, ran]
  const body = `
    const policy = ${POLICY_SOURCE};
    const c = data.counters;
    const calls = [];
    for (let i = 0; i < 30; i++) {
      calls.push(bulwark.resilienceManager.execute('proc-svc', async () => {
        const now = Atomics.add(c, 0, 1) + 1;
        for (let peak = Atomics.load(c, 1); now > peak; peak = Atomics.load(c, 1)) {
          if (Atomics.compareExchange(c, 1, peak, now) === peak) break;
        }
        await new Promise((r) => setTimeout(r, 1));
        Atomics.sub(c, 0, 1);
        Atomics.add(c, 2, 1);
        return 'ok';
      }, policy).then((v) => v, (e) => e.code));
    }
    const results = await Promise.all(calls);
    return results.filter((r) => r === 'ok').length;
  `;
  const workers = [inWorker(body, { counters }), inWorker(body, { counters })];
  const admitted = await Promise.all(workers.map((w) => w.done));
  await Promise.all(workers.map((w) => w.worker.terminate()));
  assert.equal(admitted[0] + admitted[1], 40, 'the limit of 40 holds across both workers (60 calls)');
  assert.equal(Atomics.load(counters, 2), 40);
  assert.ok(Atomics.load(counters, 1) <= 2, `bulkhead peak ${Atomics.load(counters, 1)} > 2`);

  // This thread's part of the same name sees the same limiter: nothing left.
  await assert.rejects(resilienceManager.execute('proc-svc', async () => 'x', policy), (e) => { assert.equal(e.code, 'RATE_LIMITED', e.stack); return true; });
  const parts = resilienceManager.get('proc-svc');
  assert.equal(parts.bulkhead.scope, 'process');
  assert.equal(parts.circuitBreaker.scope, 'process');

  // Failures in a worker open the breaker for this thread too. (The breaker wraps the rate limit,
  // so the refused calls above counted as failures too: 21 of the 100.)
  const opener = inWorker(`
    const b = bulwark.createCircuitBreaker('proc-svc', { failureThreshold: 100, resetTimeout: 60000, scope: 'process' });
    for (let i = 0; i < 100 && b.state !== 'OPEN'; i++) await b.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    return b.state;
  `);
  assert.equal(await opener.done, 'OPEN');
  await opener.worker.terminate();
  await assert.rejects(resilienceManager.execute('proc-svc', async () => 'x', policy), CircuitOpenError);
  resilienceManager.remove('proc-svc');
});

test('policy.scope is checked, and a part may name its own scope', async () => {
  await assert.rejects(resilienceManager.execute('proc-bad', async () => 1, { scope: 'host', bulkhead: { maxConcurrent: 1 } }), (e) => e instanceof TypeError && /policy: scope/.test(e.message) && /host/.test(e.message));
  await assert.rejects(resilienceManager.execute('proc-bad', async () => 1, { rateLimit: { limit: 1, interval: 10, scope: 'cluster' } }), (e) => e instanceof TypeError && /scope/.test(e.message));
  assert.equal(await resilienceManager.execute('proc-mixed', async () => 1, { scope: 'process', bulkhead: { maxConcurrent: 1, scope: 'thread' }, circuitBreaker: {} }), 1);
  const parts = resilienceManager.get('proc-mixed');
  assert.equal(parts.bulkhead.scope, 'thread');
  assert.equal(parts.circuitBreaker.scope, 'process');
  resilienceManager.remove('proc-mixed');
});
