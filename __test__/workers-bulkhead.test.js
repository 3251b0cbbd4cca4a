'use strict';
// Process-wide bulkheads with real worker_threads: never more than N executing across all
// threads, FIFO hand-offs across threads, permits and queue places of a terminate()d worker come
// back, and a worker waiting only for a permit stays alive until it gets one.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Bulkhead, BulkheadRejectedError, createBulkhead } = require('..');
const { inWorker, nextMessage } = require('./in-worker');
const { deferred } = require('./helpers');

test('a bulkhead of N never has more than N executing across 4 workers, and every call runs', async () => {
  const N = 3;
  const options = { name: 'proc-peak', maxConcurrent: N, maxQueueSize: 10000, scope: 'process' };
  const main = new Bulkhead(options);
  // [running, peak, completed]
  const counters = new Int32Array(new SharedArrayBuffer(12));
  const workers = Array.from({ length: 4 }, (_, id) =>
    inWorker(`
      const b = new bulwark.Bulkhead(data.options);
      const c = data.counters;
      const enter = () => {
        const now = Atomics.add(c, 0, 1) + 1;
        for (let peak = Atomics.load(c, 1); now > peak; peak = Atomics.load(c, 1)) {
          if (Atomics.compareExchange(c, 1, peak, now) === peak) break;
        }
      };
      const leave = () => { Atomics.sub(c, 0, 1); Atomics.add(c, 2, 1); };
      const calls = [];
      for (let i = 0; i < 150; i++) {
        calls.push(b.execute(async () => {
          enter();
          // alternate hold times: a microtask, an I/O turn, a timer
          if (i % 3 === 1) await new Promise((r) => setImmediate(r));
          else if (i % 3 === 2) await new Promise((r) => setTimeout(r, 1));
          leave();
          return i;
        }));
      }
      const results = await Promise.all(calls);
      return { sum: results.reduce((a, b) => a + b, 0), held: b.heldByThisThread };
    `, { options, counters, id }),
  );
  const results = await Promise.all(workers.map((w) => w.done));
  await Promise.all(workers.map(({ worker }) => worker.terminate()));
  for (const r of results) assert.deepEqual(r, { sum: (149 * 150) / 2, held: 0 });
  assert.equal(Atomics.load(counters, 2), 600, 'every call ran');
  assert.equal(Atomics.load(counters, 0), 0);
  assert.ok(Atomics.load(counters, 1) <= N, `peak ${Atomics.load(counters, 1)} > ${N}`);
  assert.equal(Atomics.load(counters, 1), N, 'the cap was reached (the test exercised contention)');
  const m = main.getMetrics();
  assert.deepEqual({ active: m.active, available: m.available, queued: m.queued, completed: m.completed, rejected: m.rejected }, { active: 0, available: N, queued: 0, completed: 600, rejected: 0 });
});

test('a permit released in the main thread goes to the oldest call queued in a worker, which stays alive for it', async () => {
  const main = createBulkhead('proc-handoff', 1, 5, { scope: 'process' });
  const hold = deferred();
  const mine = main.execute(() => hold.promise);
  const waiter = inWorker(`
    const b = bulwark.createBulkhead('proc-handoff', 1, 5, { scope: 'process' });
    const call = b.execute(async () => 'ran in the worker');
    port.postMessage({ queued: b.state.queued });
    return { value: await call, state: b.state };
  `);
  assert.deepEqual(await nextMessage(waiter.worker), { queued: 1 });
  // The worker has nothing to do but wait: its waker keeps it alive.
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(main.state.queued, 1);
  const later = main.execute(async () => 'main, queued after the worker');
  assert.equal(main.state.queued, 2);
  hold.resolve('first');
  assert.equal(await mine, 'first');
  const result = await waiter.done;
  assert.equal(result.value, 'ran in the worker');
  assert.equal(await later, 'main, queued after the worker', 'FIFO across threads: the worker first');
  await waiter.worker.terminate();
  assert.deepEqual(main.state, { active: 0, available: 1, queued: 0 });
});

test('permits held and places queued by a terminate()d worker come back, and go to the next in line', async () => {
  const main = createBulkhead('proc-terminate', 2, 10, { scope: 'process' });
  const holder = inWorker(`
    const b = bulwark.createBulkhead('proc-terminate', 2, 10, { scope: 'process' });
    const never = new Promise(() => {});
    b.execute(() => never); b.execute(() => never); // both permits, never given back
    b.execute(async () => 'queued in the dying worker'); // and a place in the queue
    port.postMessage(b.state);
    await never;
  `);
  assert.deepEqual(await nextMessage(holder.worker), { active: 2, available: 0, queued: 1 });
  const ran = [];
  const a = main.execute(async () => ran.push('a'));
  const b = main.execute(async () => ran.push('b'));
  assert.equal(main.state.queued, 3);
  await holder.worker.terminate();
  await Promise.all([a, b]);
  assert.deepEqual(ran, ['a', 'b'], 'the dead worker\'s permits went to the calls queued here');
  assert.deepEqual(main.state, { active: 0, available: 2, queued: 0 }, 'and its queue place left with it');
});

test('50 cycles of spawn → use a process-wide bulkhead → terminate() mid-call lose no permit', async () => {
  const N = 4;
  const main = createBulkhead('proc-cycles', N, 1000, { scope: 'process' });
  for (let cycle = 0; cycle < 50; cycle++) {
    const w = inWorker(`
      const b = bulwark.createBulkhead('proc-cycles', ${N}, 1000, { scope: 'process' });
      const calls = [];
      for (let i = 0; i < 20; i++) calls.push(b.execute(() => new Promise((r) => setTimeout(r, i % 4))));
      port.postMessage('busy');
      await Promise.all(calls);
    `);
    await nextMessage(w.worker);
    if (cycle % 2 === 1) await new Promise((r) => setImmediate(r));
    await w.worker.terminate();
  }
  // terminate() resolves after the worker's env cleanup hooks ran: its leases are closed by then.
  assert.deepEqual(main.state, { active: 0, available: N, queued: 0 });
  const results = await Promise.all(Array.from({ length: N }, (_, i) => main.execute(async () => i)));
  assert.deepEqual(results, [0, 1, 2, 3], 'all N permits usable after the cycles');
  // The workers' leases were freed, not only closed: only this thread's handles remain.
  const { liveBulkheadLeases } = require('../binding.js');
  assert.ok(liveBulkheadLeases() <= 4, `${liveBulkheadLeases()} leases alive after 50 dead workers`);
});

test('queue full, queue timeout and abort work across threads, and refusals are counted once', async () => {
  const main = new Bulkhead({ name: 'proc-refuse', maxConcurrent: 1, maxQueueSize: 1, timeout: 40, scope: 'process' });
  const w = inWorker(`
    const b = new bulwark.Bulkhead({ name: 'proc-refuse', maxConcurrent: 1, maxQueueSize: 1, timeout: 40, scope: 'process' });
    const hold = new Promise((r) => port.once('message', r));
    const running = b.execute(() => hold);
    port.postMessage('holding');
    await running;
    return b.getMetrics();
  `);
  await nextMessage(w.worker);
  const controller = new AbortController();
  const aborted = main.execute(async () => 'never', controller.signal);
  await assert.rejects(main.execute(async () => 'never'), (e) => e instanceof BulkheadRejectedError && e.code === 'BULKHEAD_QUEUE_FULL');
  controller.abort(new Error('caller gave up'));
  await assert.rejects(aborted, /caller gave up/);
  assert.equal(main.state.queued, 0);
  await assert.rejects(main.execute(async () => 'never'), (e) => e.code === 'BULKHEAD_QUEUE_TIMEOUT');
  w.worker.postMessage('release');
  const metrics = await w.done;
  await w.worker.terminate();
  assert.equal(metrics.rejected, 2, 'queue full + queue timeout');
  assert.equal(metrics.timedOut, 1);
  assert.equal(metrics.completed, 1);
  assert.deepEqual(main.state, { active: 0, available: 1, queued: 0 });
});

test('the same bulkhead name with other settings in another thread is a RangeError naming them', async () => {
  createBulkhead('proc-conflict', 2, 0, { scope: 'process' });
  const w = inWorker(`bulwark.createBulkhead('proc-conflict', 3, 5, { scope: 'process' });`);
  await assert.rejects(w.done, (e) => e.name === 'RangeError' && /^createBulkhead\("proc-conflict"\): /.test(e.message) && /maxConcurrent/.test(e.message) && /maxQueueSize/.test(e.message));
  await w.worker.terminate();
  assert.throws(() => createBulkhead('proc-conflict', 2, 0), (e) => e instanceof RangeError && /scope/.test(e.message), 'thread scope under a process name in one thread');
  assert.throws(() => createBulkhead('proc-x', 2, 0, 'process'), TypeError);
  assert.throws(() => new Bulkhead({ maxConcurrent: 1, scope: 'host' }), (e) => e instanceof RangeError || e instanceof TypeError);
});

test('randomized: 10 rounds of 4 workers mixing timeouts, aborts and throws, two terminated mid-flight, lose no permit', async () => {
  const N = 3;
  const options = { name: 'proc-random', maxConcurrent: N, maxQueueSize: 50, timeout: 3, scope: 'process' };
  const main = new Bulkhead(options);
  const body = `
    const b = new bulwark.Bulkhead(data.options);
    let seed = data.seed;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
    const calls = [];
    for (let i = 0; i < 300; i++) {
      const r = rnd();
      const controller = r < 0.1 ? new AbortController() : undefined;
      calls.push(b.execute(async () => {
        await new Promise((res) => (r < 0.5 ? setImmediate(res) : setTimeout(res, Math.floor(r * 3))));
        if (r > 0.9) throw new Error('boom');
      }, controller && controller.signal).catch(() => {}));
      if (controller) setTimeout(() => controller.abort(), 1);
      if (i % 50 === 0) await new Promise((res) => setTimeout(res, 1));
    }
    await Promise.all(calls);
    return b.heldByThisThread;
  `;
  for (let round = 0; round < 10; round++) {
    const workers = Array.from({ length: 4 }, (_, i) => inWorker(body, { options, seed: round * 10 + i + 1 }));
    const ended = workers.map(({ worker, done }) => Promise.race([done, new Promise((r) => worker.once('exit', () => r('terminated')))]));
    setTimeout(() => workers[0].worker.terminate(), 5 + round);
    setTimeout(() => workers[1].worker.terminate(), 20 + round * 3);
    const results = await Promise.all(ended);
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
    for (const r of results) assert.ok(r === 0 || r === 'terminated', `a worker ended holding ${r} permits`);
    assert.deepEqual(main.state, { active: 0, available: N, queued: 0 }, `round ${round}`);
  }
  const m = main.getMetrics();
  assert.ok(m.completed > 0 && m.timedOut > 0 && m.rejected >= m.timedOut, JSON.stringify(m));
});

test('two copies of the library in one worker (require cache cleared) both get their grants, and neither lets the thread exit early', { timeout: 30000 }, async () => {
  const root = JSON.stringify(require('node:path').join(__dirname, '..'));
  const secondCopy = `
    const path = require('node:path');
    for (const k of Object.keys(require.cache)) if (k.startsWith(path.join(${root}, 'lib')) || k === path.join(${root}, 'index.js')) delete require.cache[k];
    const B = require(${root});
    if (B.Bulkhead === bulwark.Bulkhead) throw new Error('one copy only');
  `;
  const main = createBulkhead('proc-copies', 1, 10, { scope: 'process' });
  const mainB = createBulkhead('proc-copies-b', 1, 10, { scope: 'process', timeout: 20 });
  const hold = deferred();
  const holding = [main.execute(() => hold.promise), mainB.execute(() => hold.promise)];
  const w = inWorker(`
    const a = bulwark.createBulkhead('proc-copies', 1, 10, { scope: 'process' }); // copy A installs the waker
    ${secondCopy}
    const b = B.createBulkhead('proc-copies-b', 1, 10, { scope: 'process', timeout: 20 });
    // B's only queued call times out (copy B has no waiters left) while A's still waits: the
    // thread must stay alive for A's.
    const timedOut = b.execute(async () => 'b ran').catch((e) => e.code);
    const fromA = a.execute(async () => 'a ran');
    port.postMessage('queued');
    return { b: await timedOut, a: await fromA };
  `);
  assert.equal(await nextMessage(w.worker), 'queued');
  await new Promise((r) => setTimeout(r, 60)); // B's queue timeout (20 ms) passes meanwhile
  hold.resolve();
  await Promise.all(holding);
  assert.deepEqual(await w.done, { b: 'BULKHEAD_QUEUE_TIMEOUT', a: 'a ran' });
  await w.worker.terminate();

  // A copy that did not install the waker first still gets its grants.
  const hold2 = deferred();
  const holding2 = main.execute(() => hold2.promise);
  const w2 = inWorker(`
    bulwark.createBulkhead('proc-copies-warm', 1, 0, { scope: 'process' }); // copy A installs first
    ${secondCopy}
    const call = B.createBulkhead('proc-copies', 1, 10, { scope: 'process' }).execute(async () => 'copy B ran');
    port.postMessage('queued');
    return call;
  `);
  assert.equal(await nextMessage(w2.worker), 'queued');
  hold2.resolve();
  await holding2;
  assert.equal(await w2.done, 'copy B ran');
  await w2.worker.terminate();
  assert.deepEqual(main.state, { active: 0, available: 1, queued: 0 });
});

test('a call granted before its queue timeout runs even when its thread was too busy to hear of it in time', { timeout: 30000 }, async () => {
  const options = { name: 'proc-busy', maxConcurrent: 1, maxQueueSize: 5, timeout: 50, scope: 'process' };
  const main = new Bulkhead(options);
  const released = new Int32Array(new SharedArrayBuffer(4));
  const w = inWorker(`
    const b = new bulwark.Bulkhead(data.options);
    const go = new Promise((r) => port.once('message', r));
    const running = b.execute(() => go);
    port.postMessage('holding');
    await running;
    Atomics.store(data.released, 0, 1);
    Atomics.notify(data.released, 0);
  `, { options, released });
  await nextMessage(w.worker);
  const start = performance.now();
  const call = main.execute(async () => 'ran');
  w.worker.postMessage('go');
  // Block this thread until the worker has released (the permit is granted to our queued call)
  // and past the queue timeout: both the timer and the wake-up are then due at the next turn.
  Atomics.wait(released, 0, 0, 5000);
  while (performance.now() - start < 70);
  assert.equal(await call, 'ran');
  const m = main.getMetrics();
  assert.equal(m.timedOut, 0);
  await w.worker.terminate();
  assert.deepEqual(main.state, { active: 0, available: 1, queued: 0 });
});
