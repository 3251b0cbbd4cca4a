'use strict';
// Prometheus metrics: run calls with known outcomes through breakers, bulkheads, retries and
// timeouts, parse `metrics()` (with parse-prometheus-text-format and with a strict line parser of
// the 0.0.4 format written here) and check every value equals what the test did; label escaping;
// HELP/TYPE once per family; histogram buckets cumulative and filled only after enableMetrics();
// the prom-client collector; counters that outlive their (garbage-collected) objects.
//
// The first test must run before anything enables metrics in this process: tests run in order.
const test = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const vm = require('node:vm');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const parsePrometheus = require('parse-prometheus-text-format');
const promClient = require('prom-client');
// Straight from lib/ until the package root exports them.
const { metrics, enableMetrics, registerPrometheusCollector, METRICS_CONTENT_TYPE } = require('..');
const { METRICS_FLAG } = require('../lib/metric-cells');
const { CircuitBreaker } = require('../lib/breaker');
const { circuitBreakerRegistry, createCircuitBreaker } = require('../lib/registry');
const { RetryPolicy, executeWithRetry } = require('../lib/retry');
const { withTimeout, Timeout, timeoutManager } = require('../lib/timeout');
const { Bulkhead } = require('../lib/bulkhead');
const { ManualClock } = require('../lib/clock');

const FAMILIES = {
  circuit_breaker_state: 'gauge',
  circuit_breaker_calls_total: 'counter',
  circuit_breaker_state_changes_total: 'counter',
  circuit_breaker_call_duration_seconds: 'histogram',
  retry_attempts_total: 'counter',
  timeout_operations_total: 'counter',
  bulkhead_active_requests: 'gauge',
  bulkhead_queued_requests: 'gauge',
  bulkhead_executions_total: 'counter',
  cache_hits_total: 'counter',
  cache_misses_total: 'counter',
  cache_evictions_total: 'counter',
  cache_entries: 'gauge',
};
const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

const settle = (p) => p.then((value) => ({ value }), (error) => ({ error }));
const never = () => new Promise(() => {});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A strict parser of text format 0.0.4 as bulwark writes it: `# HELP`/`# TYPE` lines, then samples
 * `name{label="value",...} number`, label values with exactly the escapes `\\`, `\"`, `\n`.
 * @returns {{ help: Map<string, string>, type: Map<string, string>, samples: Array<{ name: string, labels: Record<string, string>, value: number }> }}
 */
function parseStrict(text) {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const help = new Map();
  const type = new Map();
  const samples = [];
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m !== null) {
      const map = m[1] === 'HELP' ? help : type;
      assert.ok(!map.has(m[2]), `${m[1]} of ${m[2]} appears once`);
      map.set(m[2], m[3]);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `a sample line: ${JSON.stringify(line)}`);
    const labels = {};
    let rest = m[2] ?? '';
    while (rest.length > 0) {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
      assert.ok(l !== null, `labels of ${JSON.stringify(line)}`);
      labels[l[1]] = l[2].replace(/\\([\\"n])/g, (_, c) => (c === 'n' ? '\n' : c));
      rest = rest.slice(l[0].length);
    }
    assert.ok(/^-?(\d+(\.\d+)?(e[+-]?\d+)?|\+Inf|NaN)$/.test(m[3]), `a number: ${m[3]}`);
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { help, type, samples };
}

/** The value of the one sample `name` whose labels include `labels` (undefined when none). */
function valueOf(parsed, name, labels) {
  const hits = parsed.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(hits.length <= 1, `at most one ${name} ${JSON.stringify(labels)}`);
  return hits.length === 0 ? undefined : hits[0].value;
}

const scrape = () => parseStrict(metrics());

test('histograms fill only after enableMetrics(); buckets are cumulative and _count is the calls observed since', async () => {
  assert.equal(METRICS_FLAG[0], 0, 'nothing enabled metrics before this test');
  const clock = new ManualClock();
  const breaker = new CircuitBreaker('hist', { clock, failureThreshold: 0, timeout: 5 });
  for (let i = 0; i < 3; i++) await breaker.execute(async () => clock.advance(40)); // not observed
  enableMetrics();
  assert.equal(METRICS_FLAG[0], 1);
  const durations = [3, 5, 30, 30, 200, 20000];
  for (const ms of durations) await breaker.execute(async () => clock.advance(ms));
  await settle(breaker.execute(async () => { clock.advance(7); throw new Error('x'); }));
  await settle(breaker.execute(() => { clock.advance(60); throw new Error('sync'); }));
  await settle(breaker.execute(never)); // times out (real 5 ms timer) after 0 ms of clock time
  durations.push(7, 60, 0);

  const parsed = scrape();
  const buckets = LE.map((le) => valueOf(parsed, 'circuit_breaker_call_duration_seconds_bucket', { name: 'hist', le }));
  const expected = LE.map((le) => durations.filter((ms) => le === '+Inf' || ms / 1000 <= Number(le)).length);
  assert.deepEqual(buckets, expected);
  assert.deepEqual(expected, [3, 4, 4, 6, 7, 8, 8, 8, 8, 8, 8, 9]);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i] >= buckets[i - 1], 'cumulative');
  assert.equal(valueOf(parsed, 'circuit_breaker_call_duration_seconds_count', { name: 'hist' }), durations.length);
  const sum = valueOf(parsed, 'circuit_breaker_call_duration_seconds_sum', { name: 'hist' });
  assert.ok(Math.abs(sum - 20.335) < 1e-9, `sum ${sum}`);
  // Counters counted before enableMetrics() too.
  assert.equal(valueOf(parsed, 'circuit_breaker_calls_total', { name: 'hist', result: 'success' }), 9);
  assert.equal(valueOf(parsed, 'circuit_breaker_calls_total', { name: 'hist', result: 'failure' }), 2);
  assert.equal(valueOf(parsed, 'circuit_breaker_calls_total', { name: 'hist', result: 'timeout' }), 1);
});

test('every family has one HELP and one TYPE line, with the right type; parse-prometheus-text-format agrees', () => {
  createCircuitBreaker('families');
  const text = metrics();
  const parsed = parseStrict(text);
  assert.deepEqual(Object.fromEntries(parsed.type), FAMILIES);
  assert.deepEqual([...parsed.help.keys()], Object.keys(FAMILIES));
  for (const s of parsed.samples) {
    const family = s.name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(parsed.type.has(s.name) || parsed.type.get(family) === 'histogram', `${s.name} belongs to a declared family`);
  }
  const other = parsePrometheus(text);
  assert.deepEqual(other.map((f) => [f.name, f.type.toLowerCase()]), Object.entries(FAMILIES));
  assert.equal(METRICS_CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
});

test('breaker calls, rejections, state and state changes equal what happened', async () => {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker('calls', {
    clock,
    failureThreshold: 2,
    resetTimeout: 1000,
    isFailure: (e) => e.message !== 'ignored',
  });
  await breaker.execute(async () => 1);
  await breaker.execute(() => 2);
  await settle(breaker.execute(async () => { throw new Error('ignored'); })); // a success
  await settle(breaker.execute(async () => { throw new Error('a'); }));
  await settle(breaker.execute(async () => { throw new Error('b'); })); // opens
  for (let i = 0; i < 3; i++) await settle(breaker.execute(async () => 1)); // rejected
  let p = scrape();
  const calls = (result) => valueOf(p, 'circuit_breaker_calls_total', { name: 'calls', result });
  const change = (from, to) => valueOf(p, 'circuit_breaker_state_changes_total', { name: 'calls', from, to });
  const state = () => valueOf(p, 'circuit_breaker_state', { name: 'calls' });
  assert.deepEqual([calls('success'), calls('failure'), calls('rejected'), calls('timeout')], [3, 2, 3, 0]);
  assert.equal(state(), 1);
  assert.equal(change('closed', 'open'), 1);

  clock.advance(1000);
  p = scrape();
  assert.equal(state(), 2, 'a due OPEN breaker reads half-open, as its state getter would');
  assert.equal(change('open', 'half_open'), 0, 'scraping does not move the breaker');
  await breaker.execute(async () => 'probe');
  p = scrape();
  assert.equal(state(), 0);
  assert.deepEqual([change('open', 'half_open'), change('half_open', 'closed')], [1, 1]);

  breaker.forceOpen();
  await settle(breaker.execute(async () => 1));
  p = scrape();
  assert.equal(state(), 1, 'forced open reads 1');
  assert.deepEqual([change('closed', 'open'), calls('rejected')], [2, 4]);
  breaker.reset();
  p = scrape();
  assert.deepEqual([state(), change('open', 'closed')], [0, 1]);
  const all = p.samples.filter((s) => s.name === 'circuit_breaker_state_changes_total' && s.labels.name === 'calls');
  assert.equal(all.length, 6, 'every from/to pair of distinct states is present');
  assert.equal(all.reduce((a, s) => a + s.value, 0), 5);
});

test('label values are escaped (backslash, double quote, newline) and parse back to the name', async () => {
  const name = 'we"ird\\name\nx';
  const breaker = new CircuitBreaker(name);
  await breaker.execute(async () => 1);
  const text = metrics();
  assert.ok(text.includes('circuit_breaker_calls_total{name="we\\"ird\\\\name\\nx",result="success"} 1\n'));
  assert.equal(valueOf(parseStrict(text), 'circuit_breaker_calls_total', { name, result: 'success' }), 1);
  const other = parsePrometheus(text).find((f) => f.name === 'circuit_breaker_calls_total');
  assert.ok(other.metrics.some((m) => m.labels.name === name && m.labels.result === 'success' && m.value === '1'));
});

test('retry_attempts_total counts attempts after the first, per policy name', async () => {
  const before = valueOf(scrape(), 'retry_attempts_total', { name: 'executeWithRetry' }) ?? 0;
  const policy = new RetryPolicy({ name: 'r-named', maxAttempts: 4, initialDelay: 1, jitter: false });
  let n = 0;
  assert.equal(await policy.execute(async () => (++n < 3 ? Promise.reject(new Error('again')) : 'ok')), 'ok'); // 2 retries
  assert.equal(await policy.execute(async () => 'first time'), 'first time'); // 0 retries
  await settle(policy.execute(async () => { throw new Error('always'); })); // 3 retries, exhausted
  await settle(new RetryPolicy({ maxAttempts: 2, initialDelay: 1 }).execute(async () => { throw new Error('x'); })); // 'retry': 1
  await settle(executeWithRetry(async () => { throw new Error('x'); }, { maxAttempts: 3, initialDelay: 1 })); // 2
  const controller = new AbortController();
  const aborted = settle(new RetryPolicy({ name: 'r-aborted', maxAttempts: 3, initialDelay: 10000 }).execute(async () => { throw new Error('x'); }, controller.signal));
  await sleep(1);
  controller.abort();
  await aborted;
  const p = scrape();
  assert.equal(valueOf(p, 'retry_attempts_total', { name: 'r-named' }), 5);
  assert.equal(valueOf(p, 'retry_attempts_total', { name: 'retry' }), 1);
  assert.equal(valueOf(p, 'retry_attempts_total', { name: 'executeWithRetry' }) - before, 2);
  assert.equal(valueOf(p, 'retry_attempts_total', { name: 'r-aborted' }), undefined, 'a retry abandoned while waiting is not counted');
  assert.equal(policy.stats.retries, 5, 'agrees with the policy stats');
  assert.throws(() => new RetryPolicy({ name: '' }), RangeError);
});

test('timeout_operations_total counts success, timeout and failure per name', async () => {
  const ops = (p, name, result) => valueOf(p, 'timeout_operations_total', { name, result }) ?? 0;
  const base = scrape();
  await withTimeout(async () => 1, 1000);
  await withTimeout(() => 2, 1000);
  await settle(withTimeout(never, 5));
  await settle(withTimeout(async () => { throw new Error('x'); }, 1000));
  assert.equal(await withTimeout(never, { timeout: 5, fallback: () => 'fb' }), 'fb'); // a timeout, with fallback
  await withTimeout(async () => 1, { timeout: 1000, name: 't-named' });
  const t = new Timeout(1000);
  await t.execute(async () => 1);
  await settle(t.execute(() => { throw new Error('sync'); }));
  const named = new Timeout({ timeout: 5, name: 't-object' });
  await settle(named.execute(never));
  timeoutManager.register('t-managed', { timeout: 5 });
  await timeoutManager.execute('t-managed', async () => 1);
  await settle(timeoutManager.execute('t-managed', never));
  const p = scrape();
  const delta = (name, result) => ops(p, name, result) - ops(base, name, result);
  assert.deepEqual(['success', 'timeout', 'failure'].map((r) => delta('withTimeout', r)), [2, 2, 1]);
  assert.deepEqual(['success', 'timeout', 'failure'].map((r) => ops(p, 't-named', r)), [1, 0, 0]);
  assert.deepEqual(['success', 'timeout', 'failure'].map((r) => ops(p, 'timeout', r)), [1, 0, 1]);
  assert.deepEqual(['success', 'timeout', 'failure'].map((r) => ops(p, 't-object', r)), [0, 1, 0]);
  assert.deepEqual(['success', 'timeout', 'failure'].map((r) => ops(p, 't-managed', r)), [1, 1, 0]);
  assert.equal(named.name, 't-object');
});

test('bulkhead gauges and executions (rejected = queue full, timeout = queue timeout)', async () => {
  const bulkhead = new Bulkhead({ name: 'bh', maxConcurrent: 1, maxQueueSize: 1, timeout: 20 });
  let release;
  const running = bulkhead.execute(() => new Promise((resolve) => { release = resolve; }));
  const queued = settle(bulkhead.execute(async () => 'late'));
  const full = await settle(bulkhead.execute(async () => 'no room'));
  assert.equal(full.error.code, 'BULKHEAD_QUEUE_FULL');
  let p = scrape();
  const get = (name, labels = {}) => valueOf(p, name, { name: 'bh', ...labels });
  assert.deepEqual([get('bulkhead_active_requests'), get('bulkhead_queued_requests')], [1, 1]);
  assert.equal((await queued).error.code, 'BULKHEAD_QUEUE_TIMEOUT');
  release('done');
  await running;
  await bulkhead.execute(async () => 'again');
  p = scrape();
  assert.deepEqual([get('bulkhead_active_requests'), get('bulkhead_queued_requests')], [0, 0]);
  const executions = ['completed', 'rejected', 'timeout'].map((state) => get('bulkhead_executions_total', { state }));
  assert.deepEqual(executions, [2, 1, 1]);
  const m = bulkhead.getMetrics();
  assert.deepEqual([m.completed, m.rejected - m.timedOut, m.timedOut], executions, 'agrees with getMetrics()');
});

test('circuitBreakerRegistry.metrics() returns the same text as metrics()', () => {
  createCircuitBreaker('via-registry');
  const text = circuitBreakerRegistry.metrics();
  assert.equal(text, metrics());
  assert.ok(text.includes('circuit_breaker_state{name="via-registry"} 0\n'));
});

test('registerPrometheusCollector shows the same metrics through a prom-client Registry', async () => {
  const registry = new promClient.Registry();
  const own = new promClient.Counter({ name: 'app_requests_total', help: 'requests', registers: [registry] });
  own.inc(3);
  const breaker = new CircuitBreaker('prom');
  await breaker.execute(async () => 1);
  await settle(breaker.execute(async () => { throw new Error('x'); }));
  const unregister = registerPrometheusCollector(registry);

  const ours = parseStrict(metrics());
  const theirs = parseStrict((await registry.metrics()).replace(/\n\n/g, '\n'));
  assert.equal(theirs.type.get('app_requests_total'), 'counter');
  for (const [name, type] of Object.entries(FAMILIES)) assert.equal(theirs.type.get(name), type);
  const key = (s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
  const theirValues = new Map(theirs.samples.map((s) => [key(s), s.value]));
  for (const s of ours.samples) assert.equal(theirValues.get(key(s)), s.value, key(s));
  assert.equal(valueOf(theirs, 'circuit_breaker_calls_total', { name: 'prom', result: 'failure' }), 1);
  assert.equal(valueOf(theirs, 'circuit_breaker_call_duration_seconds_count', { name: 'prom' }), 2);

  const json = await registry.getMetricsAsJSON();
  const calls = json.find((m) => m.name === 'circuit_breaker_calls_total');
  assert.ok(calls.values.some((v) => v.labels.name === 'prom' && v.labels.result === 'success' && v.value === 1));
  registry.resetMetrics(); // must not throw (our metrics are read-only views)

  assert.throws(() => registerPrometheusCollector(registry), /already been registered/);
  assert.equal(registry.getMetricsAsArray().length, 1 + Object.keys(FAMILIES).length, 'a failed registration adds nothing');
  unregister();
  assert.deepEqual(registry.getMetricsAsArray().map((m) => m.name), ['app_requests_total']);
  assert.throws(() => registerPrometheusCollector({}), TypeError);
});

test('metrics are process-wide: a worker thread sees the flag and its counters are summed with ours', async () => {
  await withTimeout(async () => 1, { timeout: 1000, name: 'shared-t' });
  const lib = path.join(__dirname, '..', 'lib');
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { METRICS_FLAG } = require(${JSON.stringify(path.join(lib, 'metric-cells'))});
    const { withTimeout } = require(${JSON.stringify(path.join(lib, 'timeout'))});
    (async () => {
      for (let i = 0; i < 3; i++) await withTimeout(async () => i, { timeout: 1000, name: 'shared-t' });
      parentPort.postMessage(METRICS_FLAG[0]);
    })();`;
  const worker = new Worker(code, { eval: true });
  const [flag] = await Promise.all([new Promise((resolve) => worker.once('message', resolve)), new Promise((resolve) => worker.once('exit', resolve))]);
  assert.equal(flag, 1, 'the worker reads the flag the main thread set');
  assert.equal(valueOf(scrape(), 'timeout_operations_total', { name: 'shared-t', result: 'success' }), 4);
});

test('counters outlive garbage-collected objects; their gauges go', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  await (async () => {
    const breaker = new CircuitBreaker('ephemeral');
    await breaker.execute(async () => 1);
    const bulkhead = new Bulkhead({ name: 'ephemeral-bh', maxConcurrent: 2 });
    await bulkhead.execute(async () => 1);
  })();
  const survivor = new CircuitBreaker('ephemeral');
  await survivor.execute(async () => 1);
  let p = scrape();
  assert.equal(valueOf(p, 'circuit_breaker_calls_total', { name: 'ephemeral', result: 'success' }), 2, 'two breakers named alike are summed');
  let gone = false;
  for (let i = 0; i < 50 && !gone; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    p = scrape();
    gone = valueOf(p, 'bulkhead_active_requests', { name: 'ephemeral-bh' }) === undefined;
  }
  assert.ok(gone, 'the collected bulkhead reports no gauge');
  assert.equal(valueOf(p, 'bulkhead_executions_total', { name: 'ephemeral-bh', state: 'completed' }), 1, 'its counter stays');
  assert.equal(valueOf(p, 'circuit_breaker_calls_total', { name: 'ephemeral', result: 'success' }), 2, 'never goes backwards');
  assert.equal(valueOf(p, 'circuit_breaker_state', { name: 'ephemeral' }), 0, 'the live one still has its gauge');
  survivor.forceOpen();
});
