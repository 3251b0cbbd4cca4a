'use strict';
// Runs code in a real worker thread for the worker tests (not a test file itself).
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const ROOT = JSON.stringify(path.join(__dirname, '..'));

/**
 * Runs `body` (the source of an async function of (bulwark, data, port)) in a new worker.
 * `done` resolves with what it returns, or rejects with the error it throws.
 */
function inWorker(body, workerData) {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const bulwark = require(${ROOT});
    (async (bulwark, data, port) => { ${body} })(bulwark, workerData, parentPort)
      .then((result) => parentPort.postMessage({ result }), (error) => parentPort.postMessage({ error: { name: error.name, message: error.message, code: error.code } }));
  `;
  const worker = new Worker(code, { eval: true, workerData });
  const done = new Promise((resolve, reject) => {
    worker.on('message', (m) => {
      if (m !== null && typeof m === 'object' && 'error' in m) reject(Object.assign(new Error(m.error.message), m.error));
      else if (m !== null && typeof m === 'object' && 'result' in m) resolve(m.result);
    });
    worker.once('error', reject);
  });
  return { worker, done };
}

/** Resolves with the next message `worker` posts. */
const nextMessage = (worker) => new Promise((resolve) => worker.once('message', resolve));

module.exports = { inWorker, nextMessage };
