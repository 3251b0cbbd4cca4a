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
