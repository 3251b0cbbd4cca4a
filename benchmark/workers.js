'use strict';
/**
 * Worker-thread scaling (issue 6): total throughput of 1 and 2 worker threads calling
 * `tryAcquire()` on a rate limiter and `execute()` on a circuit breaker, each for a fixed time —
 * on ONE process-wide object (`scope: 'process'`) and on separate objects. One worker is measured
 * on its own thread-scoped object and on a process-scoped one; the shared 2-worker figure is
 * compared with both. Checks the shared limiter's count is exact.
 *
 * Run alone: `node benchmark/workers.js`; `npm run bench` runs it after the other groups.
 */
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const ROOT = JSON.stringify(path.join(__dirname, '..'));
const DURATION_MS = Number(process.env.WORKER_BENCH_MS ?? 700);

const BODY = `
  const { parentPort, workerData } = require('node:worker_threads');
  const b = require(${ROOT});
  const { kind, shared, id, ms, tag } = workerData;
  const name = shared ? kind + '-shared-' + tag : kind + '-' + id;
  const scope = shared ? 'process' : 'thread';
  (async () => {
    let ops = 0;
    let admitted = 0;
    const end = performance.now() + ms;
    if (kind === 'limiter') {
      const limiter = b.createRateLimiter({ name, limit: 2e9, interval: 2000, burst: 2e9, scope });
      while (performance.now() < end) for (let i = 0; i < 10000; i++, ops++) if (limiter.tryAcquire()) admitted++;
    } else {
      // 'breaker-rate': with a failure-rate rule every outcome goes to the shared rolling window.
      const rate = kind === 'breaker-rate' ? { failureRateThreshold: 0.5 } : {};
      const breaker = b.createCircuitBreaker(name, { ...rate, scope });
      const noop = async () => {};
      while (performance.now() < end) for (let i = 0; i < 1000; i++, ops++) await breaker.execute(noop);
      admitted = ops;
    }
    parentPort.postMessage({ ops, admitted });
  })();
`;

let runs = 0;

function run(kind, workers, shared) {
  const tag = runs++;
  return Promise.all(
    Array.from({ length: workers }, (_, id) => new Promise((resolve, reject) => {
      const w = new Worker(BODY, { eval: true, workerData: { kind, shared, id, ms: DURATION_MS, tag } });
      w.once('message', (m) => { resolve(m); w.terminate(); });
      w.once('error', reject);
    })),
  ).then((results) => ({
    opsPerSec: results.reduce((s, r) => s + r.ops, 0) / (DURATION_MS / 1000),
    ops: results.reduce((s, r) => s + r.ops, 0),
    admitted: results.reduce((s, r) => s + r.admitted, 0),
  }));
}

async function main() {
  console.log(`## WORKERS (each run ${DURATION_MS} ms; ops/s summed over the workers)\n`);
  console.log('| object | 1 worker, thread scope | 1 worker, process scope | 2 workers, one shared object | 2 workers, separate objects | shared/1 (thread) | shared/1 (process) | separate/1 |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  for (const kind of ['limiter', 'breaker', 'breaker-rate']) {
    const one = await run(kind, 1, false);
    const oneShared = await run(kind, 1, true);
    const shared = await run(kind, 2, true);
    const separate = await run(kind, 2, false);
    const f = (x) => Math.round(x).toLocaleString('en-US');
    const r = (a, b) => (a.opsPerSec / b.opsPerSec).toFixed(2) + 'x';
    console.log(`| ${kind} | ${f(one.opsPerSec)} | ${f(oneShared.opsPerSec)} | ${f(shared.opsPerSec)} | ${f(separate.opsPerSec)} | ${r(shared, one)} (target >= 1.5x) | ${r(shared, oneShared)} | ${r(separate, one)} (target >= 1.8x) |`);
    if (kind === 'limiter' && shared.admitted !== shared.ops) {
      console.log(`  (shared limiter admitted ${shared.admitted} of ${shared.ops} within its limit)`);
    }
  }
}

if (require.main === module) main();
module.exports = { main };
