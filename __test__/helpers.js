'use strict';
// Small helpers shared by the test files (not a test file itself: node --test runs *.test.js).

/** A promise with its resolve and reject functions exposed. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** Resolves after the current I/O turn (lets queued callbacks run). */
const tick = () => new Promise((r) => setImmediate(r));

module.exports = { deferred, tick };
