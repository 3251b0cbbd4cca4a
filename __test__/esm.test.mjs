// The ESM entry exposes the same objects as the CommonJS one (one shared state).
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import bulwark, { createCircuitBreaker, circuitBreakerRegistry, CircuitOpenError, CircuitState, ManualClock } from '../index.mjs';

const require = createRequire(import.meta.url);
const cjs = require('../index.js');

test('named and default ESM exports are the CommonJS objects', async () => {
  assert.equal(createCircuitBreaker, cjs.createCircuitBreaker);
  assert.equal(circuitBreakerRegistry, cjs.circuitBreakerRegistry);
  assert.equal(bulwark.CircuitOpenError, CircuitOpenError);
  assert.equal(CircuitState.HALF_OPEN, 'HALF_OPEN');
  const b = createCircuitBreaker('esm', { failureThreshold: 1, clock: new ManualClock() });
  await b.execute(() => Promise.reject(new Error('x'))).catch(() => {});
  await assert.rejects(b.execute(async () => 1), CircuitOpenError);
  assert.equal(cjs.circuitBreakerRegistry.get('esm'), b);
});
