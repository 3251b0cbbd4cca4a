'use strict';
// Decorators, compiled from TypeScript in both modes (experimentalDecorators and standard TC39)
// with the `typescript` package and run: stacking order, `this`, arguments, name and length.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const ts = require('typescript');
const bulwark = require('..');

const source = `
import { WithCircuitBreaker, WithRetry, WithTimeout, WithResilience, WithBulkhead, WithFallback, RetryPolicies } from 'bulwark';
export const log: string[] = [];
export class DataService {
  prefix = 'svc';
  calls = 0;
  @WithCircuitBreaker('data-fetch-MODE', { failureThreshold: 5 })
  @WithRetry({ ...RetryPolicies.exponential(3, 1, 10) })
  @WithTimeout(30000)
  async fetchData(id: string, extra?: number) {
    this.calls++;
    log.push('fetchData ' + id);
    if (this.calls < 2) throw new Error('transient');
    return this.prefix + ':' + id + ':' + extra;
  }

  @WithResilience('process-batch-MODE', { bulkhead: { maxConcurrent: 5 }, retry: { maxAttempts: 2 }, timeout: 60000 })
  async processBatch(items: number[]) {
    return Promise.all(items.map((item) => this.processItem(item)));
  }

  @WithBulkhead('items-MODE', 2, 100)
  @WithFallback((error: Error) => 'fallback:' + error.message)
  async processItem(item: number) {
    if (item < 0) throw new Error('negative');
    return item * 2;
  }

  @WithTimeout(20)
  async hang() {
    return new Promise(() => {});
  }
}
`;

function load(mode) {
  const experimentalDecorators = mode === 'legacy';
  const { outputText } = ts.transpileModule(source.replaceAll('MODE', mode), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, experimentalDecorators, useDefineForClassFields: true },
    fileName: `decorated-${mode}.ts`,
  });
  const module = { exports: {} };
  const fakeRequire = (id) => (id === 'bulwark' ? bulwark : require(id));
  new Function('require', 'module', 'exports', outputText)(fakeRequire, module, module.exports);
  return { ...module.exports, outputText };
}

for (const mode of ['legacy', 'standard']) {
  test(`${mode} decorators: the guide's DataService works, stacked in source order`, async () => {
    const { DataService, log, outputText } = load(mode);
    if (mode === 'legacy') assert.match(outputText, /__decorate/);
    else assert.match(outputText, /__esDecorate/);
    const service = new DataService();
    assert.equal(await service.fetchData('42', 7), 'svc:42:7', 'this and arguments preserved, retried once');
    assert.deepEqual(log, ['fetchData 42', 'fetchData 42']);
    assert.equal(DataService.prototype.fetchData.name, 'fetchData');
    assert.equal(DataService.prototype.fetchData.length, 2);
    const breaker = bulwark.circuitBreakerRegistry.get(`data-fetch-${mode}`);
    assert.equal(breaker.getMetrics().calls, 1, 'retry is inside the breaker: the breaker saw one successful call');
    assert.deepEqual(await service.processBatch([1, -1, 3]), [2, 'fallback:negative', 6]);
    assert.equal(bulwark.resilienceManager.get(`process-batch-${mode}`).bulkhead.maxConcurrent, 5);
    await assert.rejects(service.hang(), bulwark.TimeoutError);
  });
}

test('decorators refuse what they cannot decorate, and bad options at definition time', () => {
  const decorator = bulwark.WithRetry({ maxAttempts: 2 });
  assert.throws(() => decorator(function f() {}, { kind: 'field', name: 'x' }), /decorates methods/);
  assert.throws(() => decorator({}, 'x', { value: 42 }), /decorates methods/);
  assert.throws(() => bulwark.WithRetry({ maxAttempts: -1 }), RangeError);
  assert.throws(() => bulwark.WithTimeout(0), RangeError);
  assert.throws(() => bulwark.WithResilience('x', { circuitbreaker: {} }), TypeError);
  assert.throws(() => bulwark.WithCircuitBreaker('x-bad', { failureThreshold: -1 }), RangeError);
  assert.throws(() => bulwark.WithBulkhead('x', 0), RangeError);
  assert.throws(() => bulwark.WithBulkhead('x-scope', 1, 0, { scope: 'host' }), TypeError);
});

test('@WithBulkhead takes createBulkhead options: scope "process" joins the process-wide pool', async () => {
  const shared = bulwark.createBulkhead('deco-process', 1, 5, { scope: 'process' });
  const decorate = bulwark.WithBulkhead('deco-process', 1, 5, { scope: 'process' });
  const method = decorate({}, 'm', { value: async () => shared.state.active }).value;
  assert.equal(await method(), 1, 'the decorated call holds the shared permit');
  assert.equal(shared.state.active, 0);
});
