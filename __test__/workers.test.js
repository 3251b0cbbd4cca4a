'use strict';
// scope: 'process' with real worker_threads: one breaker and one rate limit for every thread of
// the process, exactly; conflicting settings refused; 50 spawn → use → terminate() cycles.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createCircuitBreaker, createRateLimiter, createKeyedRateLimiter, CircuitOpenError } = require('..');

const { inWorker } = require('./in-worker');

test('a breaker opened in one worker rejects in every thread at once', async () => {
  const main = createCircuitBreaker('proc-breaker', { failureThreshold: 1, resetTimeout: 60000, scope: 'process' });
  const changes = [];
  main.on('stateChange', (e) => changes.push(e.currentState));
  const opener = inWorker(`
    const b = bulwark.createCircuitBreaker('proc-breaker', { failureThreshold: 1, resetTimeout: 60000, scope: 'process' });
    await b.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    return b.state;
  `);
  assert.equal(await opener.done, 'OPEN');
  await opener.worker.terminate();
  let ran = false;
  await assert.rejects(main.execute(async () => { ran = true; }), CircuitOpenError);
  assert.equal(ran, false);
  assert.deepEqual(changes, ['OPEN'], 'this thread learned of the transition at its next call');
  const other = inWorker(`
    const b = bulwark.createCircuitBreaker('proc-breaker', { failureThreshold: 1, resetTimeout: 60000, scope: 'process' });
    const error = await b.execute(async () => 'ran').catch((e) => e.code);
    return { error, state: b.state };
  `);
  assert.deepEqual(await other.done, { error: 'CIRCUIT_OPEN', state: 'OPEN' });
  await other.worker.terminate();
  main.reset();
});

test('half-open across 4 workers admits no more than halfOpenMaxCalls probes in all', async () => {
  const options = { failureThreshold: 1, resetTimeout: 0, halfOpenMaxCalls: 2, scope: 'process' };
  const main = createCircuitBreaker('proc-probes', options);
  await main.execute(() => Promise.reject(new Error('down'))).catch(() => {});
  const started = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: 4 }, () =>
    inWorker(`
      const b = bulwark.createCircuitBreaker('proc-probes', data.options);
      const release = new Promise((resolve) => port.on('message', resolve));
      const calls = Array.from({ length: 50 }, () => b.execute(async () => { Atomics.add(data.started, 0, 1); await release; return 'probe'; }).then(() => 'admitted', (e) => e.code));
      port.postMessage({ launched: true });
      const results = await Promise.all(calls);
      return results.filter((r) => r === 'admitted').length;
    `, { options, started }),
  );
  await Promise.all(workers.map(({ worker }) => new Promise((resolve) => worker.once('message', resolve))));
  assert.equal(Atomics.load(started, 0), 2, 'exactly halfOpenMaxCalls probes ran, across all workers');
  workers.forEach(({ worker }) => worker.postMessage('release'));
  const admitted = await Promise.all(workers.map((w) => w.done));
  assert.equal(admitted.reduce((a, b) => a + b, 0), 2);
  await Promise.all(workers.map(({ worker }) => worker.terminate()));
  assert.equal(main.state, 'CLOSED', 'the probes succeeded and closed the shared breaker');
});

test('a rate limit of L admits exactly L across 4 workers hammering it', async () => {
  const options = { name: 'proc-limit', limit: 1000, interval: 3600000, scope: 'process' };
  const main = createRateLimiter(options);
  const workers = Array.from({ length: 4 }, () =>
    inWorker(`
      const limiter = bulwark.createRateLimiter(data);
      let admitted = 0;
      for (let i = 0; i < 1000; i++) if (limiter.tryAcquire()) admitted++;
      return admitted;
    `, options),
  );
  const counts = await Promise.all(workers.map((w) => w.done));
  await Promise.all(workers.map(({ worker }) => worker.terminate()));
  assert.equal(counts.reduce((a, b) => a + b, 0), 1000, `admitted per worker: ${counts}`);
  assert.equal(main.tryAcquire(), false, 'the main thread shares the same exhausted limit');
});

test('a keyed limit is shared per key across workers', async () => {
  const options = { name: 'proc-keyed', limit: 1, interval: 3600000, burst: 10, maxKeys: 100, scope: 'process' };
  const workers = Array.from({ length: 4 }, () =>
    inWorker(`
      const limiter = bulwark.createKeyedRateLimiter(data);
      const admitted = { a: 0, b: 0 };
      for (let i = 0; i < 100; i++) for (const k of ['a', 'b']) if (limiter.consume(k).allowed) admitted[k]++;
      limiter.close();
      return admitted;
    `, options),
  );
  const counts = await Promise.all(workers.map((w) => w.done));
  await Promise.all(workers.map(({ worker }) => worker.terminate()));
  assert.equal(counts.reduce((s, c) => s + c.a, 0), 10);
  assert.equal(counts.reduce((s, c) => s + c.b, 0), 10);
  const main = createKeyedRateLimiter(options);
  assert.equal(main.consume('a').allowed, false, 'the main thread sees the same exhausted key');
  main.close();
});

test('the same name with other settings in another thread is a RangeError naming them', async () => {
  const keep = createCircuitBreaker('proc-conflict', { failureThreshold: 3, scope: 'process' });
  const w = inWorker(`
    bulwark.createCircuitBreaker('proc-conflict', { failureThreshold: 4, resetTimeout: 60000, scope: 'process' });
  `);
  await assert.rejects(w.done, (e) => e.name === 'RangeError' && /failureThreshold/.test(e.message) && !/resetTimeout/.test(e.message));
  await w.worker.terminate();
  assert.equal(keep.state, 'CLOSED');
  assert.throws(() => createRateLimiter({ limit: 1, interval: 1000, scope: 'process' }), /name/);
  assert.throws(() => createCircuitBreaker('proc-bad-scope', { scope: 'cluster' }), TypeError);
});

test('50 cycles of spawn → use shared objects → terminate() mid-call', async () => {
  const options = { failureThreshold: 1000, resetTimeout: 60000, scope: 'process' };
  const main = createCircuitBreaker('proc-cycles', options);
  for (let i = 0; i < 50; i++) {
    const w = inWorker(`
      const b = bulwark.createCircuitBreaker('proc-cycles', data);
      const limiter = bulwark.createRateLimiter({ name: 'proc-cycles-limit', limit: 1e6, interval: 1000, scope: 'process' });
      limiter.tryAcquire();
      await b.execute(async () => 'ok');
      b.execute(() => new Promise(() => {}));
      port.postMessage('busy');
      await new Promise(() => {});
    `, options);
    await new Promise((resolve) => w.worker.once('message', resolve));
    await w.worker.terminate();
  }
  assert.equal(await main.execute(async () => 'still fine'), 'still fine');
  assert.ok(main.getMetrics().successes >= 50, 'calls from every worker were counted in the shared state');
});

test('a leasing limit (burst large enough to lease per thread) admits exactly its burst across 4 workers', async () => {
  // One request per ~1.8 s: nothing refills during the test, so exactly `limit` may pass.
  const options = { name: 'proc-lease', limit: 100000, interval: 180000000, scope: 'process' };
  const main = createRateLimiter(options);
  const workers = Array.from({ length: 4 }, () =>
    inWorker(`
      const limiter = bulwark.createRateLimiter(data);
      let admitted = 0;
      let refusedSince = -1;
      // Keep asking for a while after the first refusal: other threads may still hold leases.
      for (;;) {
        if (limiter.tryAcquire()) { admitted++; refusedSince = -1; continue; }
        if (refusedSince < 0) refusedSince = performance.now();
        else if (performance.now() - refusedSince > 5) break;
      }
      return admitted;
    `, options),
  );
  const counts = await Promise.all(workers.map((w) => w.done));
  await Promise.all(workers.map(({ worker }) => worker.terminate()));
  const total = counts.reduce((a, b) => a + b, 0);
  // A lease is charged 250 µs ahead: below one emission interval, that may round one away.
  assert.ok(total === 100000 || total === 99999, `admitted ${total} (per worker: ${counts})`);
  assert.equal(main.tryAcquire(), false, 'the main thread shares the same exhausted limit');
  assert.equal(main.getMetrics().remaining, 0);
});

test('tokens leased by a worker terminated mid-lease come back to the other threads', async () => {
  const options = { name: 'proc-lease-dead', limit: 100000, interval: 180000000, scope: 'process' };
  const main = createRateLimiter(options);
  const w = inWorker(`
    const limiter = bulwark.createRateLimiter(data);
    limiter.tryAcquire();
    port.postMessage('leased');
    await new Promise(() => {});
  `, options);
  await new Promise((resolve) => w.worker.once('message', resolve));
  await w.worker.terminate();
  await new Promise((resolve) => setTimeout(resolve, 5));
  let admitted = 1;
  while (main.tryAcquire()) admitted++;
  assert.ok(admitted === 100000 || admitted === 99999, `admitted ${admitted} of 100000`);
});

test('successes of a process-wide breaker count exactly across workers, terminated ones included', async () => {
  const options = { failureThreshold: 3, resetTimeout: 60000, scope: 'process' };
  const main = createCircuitBreaker('proc-stripes', options);
  const workers = Array.from({ length: 4 }, (_, i) =>
    inWorker(`
      const b = bulwark.createCircuitBreaker('proc-stripes', data.options);
      for (let k = 0; k < 1001; k++) await b.execute(async () => k);
      if (data.i === 0) { port.postMessage({ hang: true }); await new Promise(() => {}); }
      return b.getMetrics().successes;
    `, { options, i }),
  );
  await new Promise((resolve) => workers[0].worker.once('message', resolve));
  await workers[0].worker.terminate();
  await Promise.all(workers.slice(1).map((w) => w.done));
  await Promise.all(workers.slice(1).map(({ worker }) => worker.terminate()));
  const m = main.getMetrics();
  assert.equal(m.successes, 4004, 'every success of every worker, none twice');
  assert.equal(m.calls, 4004);
  const { metrics } = require('..');
  const text = await metrics();
  assert.match(text, /circuit_breaker_calls_total\{[^}]*name="proc-stripes"[^}]*result="success"[^}]*\} 4004/);
});

test('a success in one worker ends the failure run begun in another', async () => {
  const options = { failureThreshold: 3, resetTimeout: 60000, scope: 'process' };
  const main = createCircuitBreaker('proc-run', options);
  const fail = () => main.execute(() => Promise.reject(new Error('down'))).catch(() => {});
  await fail();
  await fail();
  assert.equal(main.getMetrics().consecutiveFailures, 2);
  const w = inWorker(`
    const b = bulwark.createCircuitBreaker('proc-run', data);
    await b.execute(async () => 'ok');
    return b.getMetrics().consecutiveFailures;
  `, options);
  assert.equal(await w.done, 0);
  await w.worker.terminate();
  await fail();
  await fail();
  assert.equal(main.state, 'CLOSED', 'the run started over: 2 failures since the success');
  await fail();
  assert.equal(main.state, 'OPEN');
  main.reset();
});

test('a process-wide breaker with a rate rule counts every worker\'s successes and opens on the shared rate', async () => {
  const options = { failureRateThreshold: 0.5, volumeThreshold: 10, window: { size: 20 }, resetTimeout: 60000, scope: 'process' };
  const main = createCircuitBreaker('proc-rate', options);
  const workers = Array.from({ length: 2 }, () =>
    inWorker(`
      const b = bulwark.createCircuitBreaker('proc-rate', data);
      for (let k = 0; k < 500; k++) await b.execute(async () => k);
      return b.getMetrics().successes;
    `, options),
  );
  await Promise.all(workers.map((w) => w.done));
  await Promise.all(workers.map(({ worker }) => worker.terminate()));
  const m = main.getMetrics();
  assert.equal(m.successes, 1000);
  assert.equal(m.windowCalls, 20, 'the shared window saw the workers\' calls');
  for (let k = 0; k < 10; k++) await main.execute(() => Promise.reject(new Error('down'))).catch(() => {});
  assert.equal(main.state, 'OPEN', '10 failures of the last 20 calls: rate 0.5');
  main.reset();
});
