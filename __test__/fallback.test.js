'use strict';
// Fallback: a function of the error, a handler object, a static value; a failing fallback rejects
// with its own error and never leaves an unhandled rejection.
const test = require('node:test');
const assert = require('node:assert/strict');
const { withFallback, Fallback } = require('..');

test('a function fallback receives the error', async () => {
  const boom = new Error('boom');
  let got;
  assert.equal(await withFallback(() => Promise.reject(boom), (e) => { got = e; return 'cached'; }), 'cached');
  assert.equal(got, boom);
  assert.equal(await withFallback(() => { throw boom; }, () => 'sync throw recovered'), 'sync throw recovered');
  assert.equal(await withFallback(async () => 'fine', () => 'unused'), 'fine');
});

test("seed 003's JSON fallback handler: a static value, and handler objects", async () => {
  const json = { error: 'Service temporarily unavailable', status: 'circuit_open', retry_after: 60 };
  assert.equal(await withFallback(() => Promise.reject(new Error('x')), json), json);
  const handler = { handle: (e) => `handled ${e.message}` };
  assert.equal(await withFallback(() => Promise.reject(new Error('x')), handler), 'handled x');
  assert.equal(await withFallback(() => Promise.reject(new Error('x')), null), null);
});

test('a fallback that throws or rejects rejects with its own error, never unhandled', async () => {
  const unhandled = [];
  const onUnhandled = (reason) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  await assert.rejects(withFallback(() => Promise.reject(new Error('a')), () => { throw new Error('fallback failed'); }), /fallback failed/);
  await assert.rejects(withFallback(() => Promise.reject(new Error('a')), async () => { throw new Error('async fallback failed'); }), /async fallback failed/);
  await new Promise((r) => setImmediate(r));
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, []);
});

test('Fallback policy with `when` answers only the errors it is meant for', async () => {
  const policy = new Fallback(() => 'default', { when: (e) => e.code === 'CIRCUIT_OPEN' });
  assert.equal(await policy.execute(() => Promise.reject(Object.assign(new Error('open'), { code: 'CIRCUIT_OPEN' }))), 'default');
  await assert.rejects(policy.execute(() => Promise.reject(new Error('other'))), /other/);
  assert.throws(() => new Fallback(), TypeError);
  await assert.rejects(policy.execute(42), TypeError);
});
