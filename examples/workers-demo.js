'use strict';
/**
 * bulwark across worker threads (`npm run demo:workers`, ~25 s): three worker threads call the
 * same flaky HTTP service (examples/demo/flaky-server.js) through ONE circuit breaker and ONE
 * bulkhead shared by the whole process (`scope: 'process'`).
 *
 * How to read it
 *   - Every second, one row: per worker, the calls that succeeded / failed / were fast-failed by
 *     the open breaker without reaching the service; the requests the service received; the
 *     breaker state; and the highest number of calls running at once across all workers
 *     (the bulkhead allows 4 in the whole process, not 4 per worker).
 *   - `>>` lines: state changes, as this (main) thread learns of them. The breaker opens ONCE for
 *     every worker: the workers do not each rediscover the outage with their own failures.
 */
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { createCircuitBreaker, createBulkhead } = require('..');
const { PHASES, TOTAL_MS, phaseAt, startFlakyServer } = require('./demo/flaky-server');

const WORKERS = 3;
const CALLERS_PER_WORKER = 3;
const MAX_CONCURRENT = 4;
const BREAKER = {
  failureThreshold: 5,
  failureRateThreshold: 0.5,
  volumeThreshold: 10,
  window: { kind: 'count', size: 20 },
  resetTimeout: 2000,
  successThreshold: 2,
  timeout: 300,
  scope: 'process',
};
// Per worker: [ok, failed, fastFailed, rejected]; then [running, peak] for all.
const FIELDS = 4;

const WORKER_SOURCE = `
  const { workerData } = require('node:worker_threads');
  const { createCircuitBreaker, createBulkhead, CircuitOpenError } = require(${JSON.stringify(path.join(__dirname, '..'))});
  const { url, id, callers, breakerOptions, maxConcurrent, counters, fields, stop } = workerData;
  const breaker = createCircuitBreaker('flaky-service', breakerOptions);
  const bulkhead = createBulkhead('flaky-service', maxConcurrent, 1000, { scope: 'process' });
  const base = id * fields;
  const running = counters.length - 2;
  async function get(signal) {
    const now = Atomics.add(counters, running, 1) + 1;
    for (let peak = Atomics.load(counters, running + 1); now > peak; peak = Atomics.load(counters, running + 1)) {
      if (Atomics.compareExchange(counters, running + 1, peak, now) === peak) break;
    }
    try {
      const res = await fetch(url, { signal });
      await res.arrayBuffer();
      if (!res.ok) throw new Error('HTTP ' + res.status);
    } finally {
      Atomics.sub(counters, running, 1);
    }
  }
  async function caller() {
    while (Atomics.load(stop, 0) === 0) {
      try {
        await breaker.execute((signal) => bulkhead.execute(() => get(signal)));
        Atomics.add(counters, base, 1);
      } catch (error) {
        if (error instanceof CircuitOpenError) {
          Atomics.add(counters, base + 2, 1);
          await new Promise((r) => setTimeout(r, 50));
        } else if (error.code === 'BULKHEAD_QUEUE_FULL') Atomics.add(counters, base + 3, 1);
        else Atomics.add(counters, base + 1, 1);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  Promise.all(Array.from({ length: callers }, caller)).then(() => process.exit(0));
`;

async function main() {
  const t0 = performance.now();
  const elapsed = () => performance.now() - t0;
  const server = await startFlakyServer(elapsed);
  const counters = new Int32Array(new SharedArrayBuffer(4 * (WORKERS * FIELDS + 2)));
  const stop = new Int32Array(new SharedArrayBuffer(4));
  // This thread's handle on the same breaker: it sees every transition the workers cause.
  const breaker = createCircuitBreaker('flaky-service', BREAKER);
  const bulkhead = createBulkhead('flaky-service', MAX_CONCURRENT, 1000, { scope: 'process' });
  let opened = 0;
  let reopened = 0;
  breaker.on('stateChange', ({ previousState, currentState }) => {
    if (currentState === 'OPEN' && previousState === 'CLOSED') opened++;
    else if (currentState === 'OPEN') reopened++;
    console.log(`>> ${(elapsed() / 1000).toFixed(1).padStart(5)} s  ${previousState} -> ${currentState} (one breaker, every worker)`);
  });

  console.log(`${WORKERS} worker threads x ${CALLERS_PER_WORKER} callers -> ${server.url}`);
  console.log(`one breaker and one bulkhead of ${MAX_CONCURRENT} for the whole process (scope: 'process')\n`);
  const workers = Array.from({ length: WORKERS }, (_, id) => new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { url: server.url, id, callers: CALLERS_PER_WORKER, breakerOptions: BREAKER, maxConcurrent: MAX_CONCURRENT, counters, fields: FIELDS, stop },
  }));
  const exited = workers.map((w) => new Promise((resolve) => w.once('exit', resolve)));

  const header = ['  time', 'phase     ', ...workers.map((_, i) => `worker ${i} ok/fail/fast`), 'server', 'state    ', 'peak running'];
  console.log(header.join(' | '));
  let lastReceived = 0;
  let previous = new Int32Array(counters.length);
  let peakOverall = 0;
  for (let second = 1; second * 1000 <= TOTAL_MS; second++) {
    await new Promise((r) => setTimeout(r, t0 + second * 1000 - performance.now()));
    const now = Int32Array.from(counters);
    const peak = Atomics.exchange(counters, counters.length - 1, Atomics.load(counters, counters.length - 2));
    peakOverall = Math.max(peakOverall, peak);
    const cells = workers.map((_, i) => {
      const d = (k) => now[i * FIELDS + k] - previous[i * FIELDS + k];
      return `${d(0)}/${d(1)}/${d(2)}`.padStart(20);
    });
    const received = server.received();
    console.log([
      `${String(second).padStart(4)} s`,
      phaseAt(elapsed() - 1).name.padEnd(10),
      ...cells,
      String(received - lastReceived).padStart(6),
      breaker.state.padEnd(9),
      `${peak} (cap ${MAX_CONCURRENT})`,
    ].join(' | '));
    lastReceived = received;
    previous = now;
  }
  Atomics.store(stop, 0, 1);
  await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 2000))]);
  await Promise.all(workers.map((w) => w.terminate()));
  await server.close();

  const total = (k) => Array.from({ length: WORKERS }, (_, i) => counters[i * FIELDS + k]).reduce((a, b) => a + b, 0);
  console.log('');
  console.log(`calls: ${total(0)} ok, ${total(1)} failed, ${total(2)} fast-failed by the shared breaker (the service never saw them)`);
  console.log(`the breaker opened ${opened} time(s) from CLOSED (and re-opened ${reopened} time(s) after a failed trial) for all ${WORKERS} workers together`);
  console.log(`at most ${peakOverall} calls ran at once in the whole process (cap ${MAX_CONCURRENT})`);
  console.log(`bulkhead after the run: ${JSON.stringify(bulkhead.state)} (every permit back, including those of the terminated workers)`);
  console.log(`phases: ${PHASES.map((p) => `${p.name} ${p.seconds}s`).join(' -> ')}`);
  if (peakOverall > MAX_CONCURRENT || bulkhead.state.available !== MAX_CONCURRENT) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
