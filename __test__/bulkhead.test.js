'use strict';
// Bulkhead: the guide's examples, FIFO queueing, queue full / queue timeout, events and metrics,
// and a property test (fast-check) that permits are conserved on every exit path.
const test = require('node:test');
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { createBulkhead, Bulkhead, BulkheadRejectedError, ResilienceError } = require('..');

const { deferred, tick } = require('./helpers');

test('guide: createBulkhead(name, 10, 50) runs 10 at once, queues 50, rejects the rest with BULKHEAD_QUEUE_FULL', async () => {
  const bulkhead = createBulkhead('api-calls', 10, 50);
  const gate = deferred();
  let running = 0;
  let peak = 0;
  const calls = Array.from({ length: 70 }, () => bulkhead.execute(async () => {
    running++;
    peak = Math.max(peak, running);
    await gate.promise;
    running--;
    return 'done';
  }).then((v) => v, (e) => e));
  await tick();
  assert.deepEqual(bulkhead.state, { active: 10, available: 0, queued: 50 });
  gate.resolve();
  const results = await Promise.all(calls);
  const rejected = results.filter((r) => r instanceof BulkheadRejectedError);
  assert.equal(rejected.length, 10);
  assert.ok(rejected.every((e) => e.code === 'BULKHEAD_QUEUE_FULL' && e instanceof ResilienceError && e.name === 'api-calls'));
  assert.equal(results.filter((r) => r === 'done').length, 60);
  assert.equal(peak, 10);
  const m = bulkhead.getMetrics();
  assert.deepEqual([m.active, m.queued, m.available, m.completed, m.rejected, m.timedOut], [0, 0, 10, 60, 10, 0]);
});

test('queued calls run in FIFO order', async () => {
  const bulkhead = new Bulkhead({ name: 'fifo', maxConcurrent: 1, maxQueueSize: 10 });
  const order = [];
  const first = deferred();
  const calls = [bulkhead.execute(() => first.promise)];
  for (let i = 0; i < 5; i++) calls.push(bulkhead.execute(async () => { order.push(i); }));
  first.resolve();
  await Promise.all(calls);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
});

test('guide: advanced configuration — queue timeout, onReject, executionStarted, metrics', async () => {
  const reasons = [];
  const started = [];
  const bulkhead = new Bulkhead({
    name: 'database-queries',
    maxConcurrent: 1,
    maxQueueSize: 100,
    timeout: 20,
    onReject: (reason) => reasons.push(reason),
  });
  bulkhead.on('executionStarted', ({ active, queued }) => started.push([active, queued]));
  const rejectedEvents = [];
  bulkhead.on('rejected', (e) => rejectedEvents.push(e.reason));
  const slow = deferred();
  const holder = bulkhead.execute(() => slow.promise);
  const waiting = bulkhead.execute(async () => 'never runs');
  const error = await waiting.catch((e) => e);
  assert.ok(error instanceof BulkheadRejectedError);
  assert.equal(error.code, 'BULKHEAD_QUEUE_TIMEOUT');
  assert.equal(error.active, 1);
  assert.deepEqual(reasons, ['BULKHEAD_QUEUE_TIMEOUT']);
  assert.deepEqual(rejectedEvents, ['BULKHEAD_QUEUE_TIMEOUT']);
  slow.resolve('held');
  assert.equal(await holder, 'held');
  assert.deepEqual(started, [[1, 0]]);
  const metrics = bulkhead.getMetrics();
  assert.equal(metrics.completed, 1);
  assert.equal(metrics.rejected, 1);
  assert.equal(metrics.timedOut, 1);
  assert.deepEqual(bulkhead.state, { active: 0, available: 1, queued: 0 });
});

test('aborting a queued call removes it from the queue with the abort reason', async () => {
  const bulkhead = new Bulkhead({ name: 'abort', maxConcurrent: 1, maxQueueSize: 5 });
  const hold = deferred();
  const holder = bulkhead.execute(() => hold.promise);
  const controller = new AbortController();
  const queued = bulkhead.execute(async () => 'x', controller.signal);
  assert.equal(bulkhead.state.queued, 1);
  controller.abort(new Error('not needed'));
  await assert.rejects(queued, /not needed/);
  assert.equal(bulkhead.state.queued, 0);
  hold.resolve();
  await holder;
  assert.deepEqual(bulkhead.state, { active: 0, available: 1, queued: 0 });
});

test('executionCompleted is emitted after each execution', async () => {
  const bulkhead = createBulkhead('completed-events', 2, 0);
  const seen = [];
  bulkhead.on('executionCompleted', (s) => seen.push(s.active));
  await bulkhead.execute(async () => 1);
  await bulkhead.execute(() => { throw new Error('x'); }).catch(() => {});
  assert.deepEqual(seen, [0, 0]);
});

for (const scope of ['thread', 'process']) test(`property (scope '${scope}'): permits are conserved on every exit path and concurrency never exceeds the cap`, async () => {
  let run = 0;
  const exits = ['resolve', 'reject', 'syncThrow', 'value', 'queueTimeout', 'abortQueued'];
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 6 }),
      fc.array(fc.record({ exit: fc.constantFrom(...exits), delay: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 30 }),
      async (maxConcurrent, maxQueueSize, plan) => {
        // A process-wide name keeps its settings for the process: one name per run.
        const name = `prop-${scope}-${run++}`;
        const bulkhead = new Bulkhead({ name, maxConcurrent, maxQueueSize, timeout: plan.some((p) => p.exit === 'queueTimeout') ? 5 : 0, scope });
        let running = 0;
        let peak = 0;
        const calls = plan.map(({ exit, delay }) => {
          const controller = exit === 'abortQueued' ? new AbortController() : undefined;
          const fn = () => {
            running++;
            peak = Math.max(peak, running);
            const end = () => { running--; };
            if (exit === 'syncThrow') { end(); throw new Error('sync'); }
            if (exit === 'value') { end(); return 'v'; }
            return new Promise((resolve, reject) => setTimeout(() => {
              end();
              if (exit === 'reject') reject(new Error('async')); else resolve('r');
            }, delay));
          };
          const p = bulkhead.execute(fn, controller && controller.signal).catch(() => 'caught');
          if (controller) setTimeout(() => controller.abort(new Error('abort')), delay);
          return p;
        });
        await Promise.all(calls);
        const state = bulkhead.state;
        const held = scope === 'process' ? bulkhead.heldByThisThread : 0;
        return peak <= maxConcurrent && state.available === maxConcurrent && state.queued === 0 && state.active === 0 && running === 0 && held === 0;
      },
    ),
    { numRuns: 60 },
  );
});

test('bad bulkhead options are refused with the option named', () => {
  assert.throws(() => createBulkhead('b', 0, 1), (e) => e instanceof RangeError && /createBulkhead\("b"\): maxConcurrent/.test(e.message));
  assert.throws(() => createBulkhead('b', 1.5), RangeError);
  assert.throws(() => createBulkhead('b', 2, -1), RangeError);
  assert.throws(() => createBulkhead('b', '2'), TypeError);
  assert.throws(() => new Bulkhead({ name: 'b', maxConcurrent: 1, timeout: NaN }), RangeError);
  assert.throws(() => new Bulkhead({ name: 'b', maxConcurent: 1 }), /unknown options 'maxConcurent'/);
  assert.throws(() => new Bulkhead({ name: 'b' }), TypeError);
  assert.throws(() => new Bulkhead({ name: 'b', maxConcurrent: 1, onReject: 1 }), TypeError);
});

test('createBulkhead with the same name returns the same cap; other settings are refused', async () => {
  const a = createBulkhead('shared-cap', 1, 0);
  const b = createBulkhead('shared-cap', 1, 0);
  assert.equal(a, b, 'calling it again (e.g. per request) must not create a second cap');
  const hold = a.execute(() => new Promise((r) => setTimeout(r, 5)));
  await assert.rejects(b.execute(async () => 1), (e) => e.code === 'BULKHEAD_QUEUE_FULL');
  await hold;
  assert.throws(() => createBulkhead('shared-cap', 2, 0), (e) => e instanceof RangeError && /maxConcurrent/.test(e.message));
});
