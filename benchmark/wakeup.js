'use strict';
/**
 * Cross-thread hand-off latency of a process-wide bulkhead (issue 6): two worker threads share a
 * bulkhead of 1 permit and each keeps one call queued, so every permit hand-off goes from one
 * thread to the other (granted natively, delivered by the waiter's thread-safe function). Each
 * call measures the time from the previous holder's last statement to its own first statement.
 * For scale, the same ping-pong inside one thread on a thread-scoped bulkhead.
 *
 * Run alone: `node benchmark/wakeup.js`; `npm run bench` runs it after the other groups.
 */
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const ROOT = JSON.stringify(path.join(__dirname, '..'));
const HANDOFFS = Number(process.env.WAKEUP_HANDOFFS ?? 2000);

const BODY = `
  const { parentPort, workerData } = require('node:worker_threads');
  const b = require(${ROOT});
  const { name, scope, count, stamp, callers } = workerData;
  const bulkhead = b.createBulkhead(name, 1, 16, { scope });
  const now = () => performance.timeOrigin + performance.now();
  const latencies = [];
  const caller = async () => {
    for (let i = 0; i < count; i++) {
      await bulkhead.execute(async () => {
        const previous = stamp[0];
        if (previous > 0) latencies.push((now() - previous) * 1000);
        await new Promise((r) => setImmediate(r));
        stamp[0] = now();
      });
    }
  };
  Promise.all(Array.from({ length: callers }, caller)).then(() => parentPort.postMessage(latencies));
`;

function spawn(workerData) {
  return new Promise((resolve, reject) => {
    const w = new Worker(BODY, { eval: true, workerData });
    w.once('message', (m) => { resolve(m); w.terminate(); });
    w.once('error', reject);
  });
}

function summary(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);
  return `${q(0.5)} | ${q(0.9)} | ${q(0.99)} | ${sorted.length}`;
}

async function main() {
  console.log(`## CROSS-THREAD WAKE-UP (bulkhead of 1, ${HANDOFFS} calls per side; µs from release to the next holder's first statement)\n`);
  console.log('| hand-off | p50 µs | p90 µs | p99 µs | samples |');
  console.log('|---|---:|---:|---:|---:|');
  const stamp = new Float64Array(new SharedArrayBuffer(8));
  const cross = await Promise.all([0, 1].map(() => spawn({ name: 'wakeup', scope: 'process', count: HANDOFFS, stamp, callers: 1 })));
  console.log(`| worker → worker, scope 'process' | ${summary(cross.flat())} |`);
  const local = await spawn({ name: 'wakeup-local', scope: 'thread', count: HANDOFFS, stamp: new Float64Array(new SharedArrayBuffer(8)), callers: 2 });
  console.log(`| within one thread, scope 'thread' | ${summary(local)} |`);
}

if (require.main === module) main();
module.exports = { main };
