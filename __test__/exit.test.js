'use strict';
// Nothing the library creates keeps the process alive: a child that uses breakers (with and
// without timeouts, open and half-open) exits by itself as soon as its work is done.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const script = `
const { createCircuitBreaker, ManualClock } = require(${JSON.stringify(path.join(__dirname, '..'))});
(async () => {
  const clock = new ManualClock();
  const a = createCircuitBreaker('exit-a', { failureThreshold: 2, resetTimeout: 60000, timeout: 60000 });
  const b = createCircuitBreaker('exit-b', { failureThreshold: 1, resetTimeout: 10, clock });
  for (let i = 0; i < 1000; i++) await a.execute(async () => i);
  await a.execute(() => Promise.reject(new Error('x'))).catch(() => {});
  await b.execute(() => Promise.reject(new Error('x'))).catch(() => {});
  await b.execute(async () => 1).catch(() => {});
  clock.advance(10);
  await b.execute(async () => 1);
  await a.execute((signal) => new Promise((r) => setTimeout(r, 5, signal.aborted)));
  console.log('DONE', a.state, b.state);
})();
`;

test('a process that used breakers (with a 60 s timeout) exits promptly after its work', () => {
  const started = Date.now();
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 });
  const elapsed = Date.now() - started;
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /DONE CLOSED CLOSED/);
  assert.ok(elapsed < 5000, `took ${elapsed} ms: something kept the event loop alive`);
});

test('a call that never settles still gets its TimeoutError (the deadline timer holds the process)', () => {
  const code = `
    const { createCircuitBreaker } = require(${JSON.stringify(path.join(__dirname, '..'))});
    createCircuitBreaker('hang', { timeout: 50 }).execute(() => new Promise(() => {}))
      .catch((e) => console.log('CAUGHT', e.code));
  `;
  const child = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20000 });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /CAUGHT TIMEOUT/);
});

test('a process that used retry, timeouts, bulkheads and fallbacks exits promptly', () => {
  const code = `
    const b = require(${JSON.stringify(path.join(__dirname, '..'))});
    (async () => {
      let n = 0;
      await b.executeWithRetry(async () => { if (++n < 3) throw new Error('x'); return n; }, { maxAttempts: 3, initialDelay: 5 });
      await b.withTimeout(async () => 1, 60000);
      await b.withTimeout(() => new Promise(() => {}), 20).catch(() => {});
      await b.withTimeout(() => new Promise(() => {}), { timeout: 20, fallback: () => 'fb' });
      const bh = b.createBulkhead('exit-bh', 1, 5);
      const q = new b.Bulkhead({ name: 'exit-q', maxConcurrent: 1, maxQueueSize: 5, timeout: 60000 });
      await Promise.all([1, 2, 3].map((i) => bh.execute(async () => i)));
      const hold = q.execute(() => new Promise((r) => setTimeout(r, 10)));
      await Promise.all([hold, q.execute(async () => 2)]);
      await b.withFallback(() => Promise.reject(new Error('y')), 'fallback');
      const ac = new AbortController();
      const waiting = b.executeWithRetry(() => Promise.reject(new Error('z')), { maxAttempts: 3, initialDelay: 60000, signal: ac.signal }).catch(() => {});
      ac.abort();
      await waiting;
      console.log('DONE');
    })();
  `;
  const started = Date.now();
  const child = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20000 });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /DONE/);
  assert.ok(Date.now() - started < 5000, 'a 60 s queue timeout or retry wait kept the process alive');
});
