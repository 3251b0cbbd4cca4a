'use strict';
// Cache: get/set/has/delete/clear and the evict reasons; TTL and stale-while-revalidate on a
// ManualClock; getOrFetch coalescing, failures, aborts and detaching; bad input; W-TinyLFU keeping
// a hot set through a scan (LRU does not); metrics; a property test (fast-check) that the JS map
// and the native index agree after any sequence of operations; the sweep does not hold the process.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const fc = require('fast-check');
// Straight from lib/ until the package root exports them.
const { Cache, createCache } = require('../lib/cache');
const { ManualClock } = require('../lib/clock');
const { metrics } = require('../lib/metrics');

const SIZE = 2; // native cell: entries held
const { deferred, tick } = require('./helpers');
const evictions = (cache) => {
  const seen = [];
  cache.on('evict', (e) => seen.push(`${e.key}:${e.reason}`));
  return seen;
};

test('get/set/has/delete/clear, size, and evict reasons size, replaced, explicit', () => {
  const cache = createCache({ maxEntries: 2, name: 'basic', policy: 'lru' });
  const seen = evictions(cache);
  assert.equal(cache.set('a', 1), cache, 'set chains');
  cache.set(7, { seven: true });
  assert.deepEqual([cache.get('a'), cache.get(7), cache.get('7'), cache.size], [1, { seven: true }, undefined, 2]);
  cache.set('b', 2); // 7 was read last: 'a' is the least recently used
  assert.deepEqual(seen, ['a:size']);
  cache.set('b', 3);
  cache.set('b', 3); // same value: nothing replaced
  assert.equal(cache.delete('b'), true);
  assert.equal(cache.delete('b'), false);
  assert.deepEqual(seen, ['a:size', 'b:replaced', 'b:explicit']);
  assert.equal(cache.has(7), true);
  assert.equal(cache.has('a'), false);
  cache.clear();
  assert.deepEqual([cache.size, cache.get(7)], [0, undefined]);
  assert.deepEqual(seen.slice(3), ['7:explicit']);
  const s = cache.stats();
  assert.deepEqual(
    [s.hits, s.misses, s.evictions, s.expired, s.coalesced, s.size],
    [2, 2, 1, 0, 0, 0],
  );
  assert.equal(s.hitRate, 0.5);
  assert.ok(cache instanceof Cache);
});

test('ttl on a ManualClock: fresh until ttl, then a miss with an evict reason expired; per-set ttl', () => {
  const clock = new ManualClock();
  const cache = createCache({ maxEntries: 10, ttl: 100, clock });
  const seen = evictions(cache);
  cache.set('a', 1);
  cache.set('b', 2, 500);
  cache.set('c', 3, { ttl: 0 }); // no limit
  clock.advance(99);
  assert.equal(cache.get('a'), 1);
  clock.advance(1);
  assert.equal(cache.has('a'), false);
  assert.equal(cache.get('a'), undefined);
  assert.deepEqual(seen, ['a:expired']);
  clock.advance(1_000_000);
  assert.equal(cache.prune(), 1, "the sweep's work, done now: b");
  assert.deepEqual([cache.get('c'), cache.size], [3, 1]);
  const s = cache.stats();
  assert.deepEqual([s.expired, s.misses, s.hits], [2, 1, 2]);
});

test('the sweep removes expired entries nobody reads, then stops until the next entry with a ttl', () => {
  const { sweepStep } = require('../lib/cache-sweep');
  const clock = new ManualClock();
  const cache = createCache({ maxEntries: 100, ttl: 10, staleWhileRevalidate: 5, clock });
  const seen = evictions(cache);
  cache.set('forever', 0, 0);
  assert.equal(cache._sweeper, null, 'no entry can expire: no timer');
  for (let i = 0; i < 20; i++) cache.set(i, i);
  assert.notEqual(cache._sweeper, null);
  clock.advance(14);
  sweepStep(cache);
  assert.equal(cache.size, 21, 'stale entries are still served');
  clock.advance(1);
  sweepStep(cache);
  assert.deepEqual([cache.size, seen.length, seen[0]], [1, 20, '0:expired']);
  assert.equal(cache._sweeper, null, 'a pass that finds nothing with a time limit stops');
  cache.set('again', 1);
  assert.notEqual(cache._sweeper, null);
  cache.clear();
  assert.equal(cache._sweeper, null);
});

test('staleWhileRevalidate: stale value served while ONE refresh runs; a failed refresh keeps it', async () => {
  const clock = new ManualClock();
  const cache = createCache({ maxEntries: 10, ttl: 100, staleWhileRevalidate: 50, clock });
  const errors = [];
  cache.on('refreshError', (e) => errors.push(e.error.message));
  let calls = 0;
  let next = deferred();
  const fetcher = () => {
    calls++;
    return next.promise;
  };
  const first = cache.getOrFetch('k', fetcher);
  next.resolve('v1');
  assert.equal(await first, 'v1');
  clock.advance(120); // stale
  next = deferred();
  assert.equal(await cache.getOrFetch('k', fetcher), 'v1', 'served stale');
  assert.equal(cache.get('k'), 'v1', 'get serves stale too');
  assert.equal(await cache.getOrFetch('k', fetcher), 'v1');
  assert.equal(calls, 2, 'one refresh for three stale reads');
  next.reject(new Error('backend down'));
  await tick();
  assert.deepEqual(errors, ['backend down']);
  next = deferred();
  assert.equal(cache.get('k'), 'v1', 'the stale value stays after a failed refresh');
  assert.equal(calls, 3, 'a later stale read refreshes again (get uses the loader)');
  next.resolve('v2');
  await tick();
  assert.equal(cache.get('k'), 'v2');
  clock.advance(149);
  assert.equal(cache.get('k'), 'v2', 'refreshed: fresh again, then stale');
  clock.advance(1);
  assert.equal(cache.get('k'), undefined, 'past ttl + staleWhileRevalidate: gone');
});

test('getOrFetch: 100 concurrent misses share one fetch (coalesced 99)', async () => {
  const cache = createCache({ maxEntries: 100, name: 'coalesce' });
  const gate = deferred();
  let calls = 0;
  const fetcher = async (key, { signal }) => {
    calls++;
    assert.equal(signal, undefined, 'nobody can abort: no signal');
    await gate.promise;
    return `value of ${key}`;
  };
  const all = Array.from({ length: 100 }, () => cache.getOrFetch('user:1', fetcher));
  await tick();
  gate.resolve();
  const values = await Promise.all(all);
  assert.equal(calls, 1);
  assert.ok(values.every((v) => v === 'value of user:1'));
  assert.equal(await cache.getOrFetch('user:1', fetcher), 'value of user:1');
  assert.equal(calls, 1, 'now a hit');
  const s = cache.stats();
  assert.deepEqual([s.coalesced, s.misses, s.hits, s.size], [99, 100, 1, 1]);
});

test('getOrFetch: a failed fetch is not cached and rejects every waiter; a sync throw too', async () => {
  const cache = createCache({ maxEntries: 10 });
  let calls = 0;
  const failing = async () => {
    calls++;
    await tick();
    throw new Error('boom');
  };
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => cache.getOrFetch('k', failing)));
  assert.ok(results.every((r) => r.status === 'rejected' && r.reason.message === 'boom'));
  assert.deepEqual([calls, cache.size, cache.has('k')], [1, 0, false]);
  await assert.rejects(cache.getOrFetch('k', () => { throw new Error('sync'); }), /sync/);
  assert.equal(await cache.getOrFetch('k', () => 42), 42, 'then a good fetch is stored');
  assert.equal(cache.get('k'), 42);
});

test('getOrFetch: signals abort their own wait; when all waiters abort, the fetch is abandoned', async () => {
  const cache = createCache({ maxEntries: 10 });
  let fetchSignal;
  const gate = deferred();
  const fetcher = (key, { signal }) => {
    fetchSignal = signal;
    return gate.promise;
  };
  const a = new AbortController();
  const b = new AbortController();
  const pa = cache.getOrFetch('k', fetcher, { signal: a.signal });
  const pb = cache.getOrFetch('k', fetcher, { signal: b.signal });
  a.abort(new Error('a gave up'));
  await assert.rejects(pa, /a gave up/);
  assert.equal(fetchSignal.aborted, false, 'b still waits');
  b.abort(new Error('b gave up'));
  await assert.rejects(pb, /b gave up/);
  assert.equal(fetchSignal.aborted, true);
  gate.resolve('late');
  await tick();
  assert.equal(cache.has('k'), false, 'an abandoned fetch is not stored');
  const aborted = AbortSignal.abort(new Error('already'));
  await assert.rejects(cache.getOrFetch('k', fetcher, { signal: aborted }), /already/);
});

test('getOrFetch: a caller without a signal keeps the fetch alive; set/delete during a fetch detach it', async () => {
  const cache = createCache({ maxEntries: 10 });
  const gate = deferred();
  const fetcher = () => gate.promise;
  const c = new AbortController();
  const withSignal = cache.getOrFetch('k', fetcher, { signal: c.signal });
  const without = cache.getOrFetch('k', fetcher);
  c.abort(new Error('gone'));
  await assert.rejects(withSignal, /gone/);
  cache.set('k', 'explicit');
  gate.resolve('fetched');
  assert.equal(await without, 'fetched', 'the waiter still gets the fetched value');
  assert.equal(cache.get('k'), 'explicit', 'but a set during the fetch wins');
  const again = deferred();
  const p = cache.getOrFetch('x', () => again.promise);
  cache.delete('x');
  again.resolve(1);
  assert.equal(await p, 1);
  assert.equal(cache.has('x'), false, 'deleted while fetching: not stored');
});

test('bad options and arguments are refused with TypeError/RangeError naming the rule', async () => {
  const bad = [
    [{ maxEntries: 0 }, RangeError, 'createCache(): maxEntries must be an integer in [1, 2147483647], got 0'],
    [{}, TypeError, 'createCache(): maxEntries must be an integer in [1, 2147483647], got undefined'],
    [{ maxEntries: NaN }, RangeError, /got NaN/],
    [{ maxEntries: 1.5 }, RangeError, /got 1.5/],
    [{ maxEntries: '10' }, TypeError, /got "10"/],
    [{ maxEntries: 2 ** 31 }, RangeError, /got 2147483648/],
    [{ maxEntries: 1, ttl: -1 }, RangeError, 'createCache(): ttl must be a finite number of ms in [0, 2147483647], got -1'],
    [{ maxEntries: 1, ttl: Infinity }, RangeError, /ttl must be/],
    [{ maxEntries: 1, ttl: 2 ** 31 }, RangeError, /ttl must be/],
    [{ maxEntries: 1, staleWhileRevalidate: NaN }, RangeError, /staleWhileRevalidate must be/],
    [{ maxEntries: 1, policy: 'lfu' }, RangeError, /policy must be 'tinylfu' or 'lru', got "lfu"/],
    [{ maxEntries: 1, name: '' }, RangeError, /name must be/],
    [{ maxEntries: 1, clock: {} }, TypeError, /clock must be a ManualClock/],
    [{ maxEntries: 1, maxEntry: 2 }, TypeError, /unknown options 'maxEntry'/],
    [null, TypeError, /options must be an object/],
  ];
  for (const [options, Kind, message] of bad) assert.throws(() => createCache(options), (e) => e instanceof Kind && (typeof message === 'string' ? e.message === message : message.test(e.message)), JSON.stringify(options));
  assert.throws(() => new Cache({ name: 'x', maxEntries: -1 }), /^RangeError: new Cache\("x"\): maxEntries/);
  const cache = createCache({ maxEntries: 10, name: 'keys' });
  assert.throws(() => cache.set({}, 1), { name: 'TypeError', message: 'Cache("keys").set(): key must be a string or a number, got an object' });
  assert.throws(() => cache.get(null), TypeError);
  assert.throws(() => cache.has(Symbol('s')), TypeError);
  assert.throws(() => cache.delete(NaN), { name: 'RangeError', message: 'Cache("keys").delete(): key must be a finite number, got NaN' });
  assert.throws(() => cache.set('x'.repeat(4097), 1), { name: 'RangeError', message: /at most 4096 characters, got a string of 4097 characters/ });
  cache.set('x'.repeat(4096), 1);
  assert.throws(() => cache.set('k', 1, -5), /ttl must be a finite number of ms/);
  assert.throws(() => cache.set('k', 1, { ttl: '5' }), TypeError);
  assert.throws(() => cache.set('k', 1, { tll: 5 }), /unknown options 'tll'/);
  await assert.rejects(cache.getOrFetch('k', 'nope'), { name: 'TypeError', message: /fetcher must be a function/ });
  await assert.rejects(cache.getOrFetch({}, () => 1), TypeError);
  await assert.rejects(cache.getOrFetch('k', () => 1, { signal: 'x' }), /signal must be an AbortSignal/);
  assert.equal(cache.size, 1, 'nothing half-done');
});

test('W-TinyLFU keeps a hot set through a one-off scan of many keys; LRU loses it', () => {
  const survivors = (policy) => {
    const cache = createCache({ maxEntries: 100, policy });
    const hot = Array.from({ length: 50 }, (_, i) => `hot:${i}`);
    for (const k of hot) cache.set(k, k);
    for (let round = 0; round < 3; round++) for (const k of hot) cache.get(k);
    for (let i = 0; i < 2000; i++) {
      cache.set(`scan:${i}`, i);
      if (i % 200 === 50) for (const k of hot) cache.get(k); // still in use, now and then
    }
    // After the last 149 scan keys, who is still there?
    return hot.filter((k) => cache.has(k)).length;
  };
  assert.equal(survivors('tinylfu'), 50);
  assert.equal(survivors('lru'), 0);
});

test('metrics() renders cache_hits_total, cache_misses_total, cache_evictions_total{reason}, cache_entries', () => {
  const cache = createCache({ maxEntries: 1, name: 'metered', policy: 'lru' });
  cache.set('a', 1);
  cache.get('a');
  cache.get('a');
  cache.get('zz');
  cache.set('b', 2); // evicts a
  cache.set('b', 3); // replaced
  cache.delete('b');
  const text = metrics();
  for (const line of [
    'cache_hits_total{name="metered"} 2',
    'cache_misses_total{name="metered"} 1',
    'cache_evictions_total{name="metered",reason="size"} 1',
    'cache_evictions_total{name="metered",reason="expired"} 0',
    'cache_evictions_total{name="metered",reason="explicit"} 1',
    'cache_evictions_total{name="metered",reason="replaced"} 1',
    'cache_entries{name="metered"} 0',
  ]) assert.ok(text.split('\n').includes(line), `missing ${line}`);
  assert.match(text, /# TYPE cache_entries gauge/);
});

test('property: after any operations the JS map and the native index agree, and size <= maxEntries', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set'), key: fc.integer({ min: 0, max: 30 }), ttl: fc.constantFrom(0, 5, 50) }),
    fc.record({ kind: fc.constant('get'), key: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant('delete'), key: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant('advance'), ms: fc.integer({ min: 0, max: 20 }) }),
    fc.record({ kind: fc.constant('clear') }),
  );
  fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.constantFrom('tinylfu', 'lru'), fc.array(op, { maxLength: 300 }), (maxEntries, policy, ops) => {
    const clock = new ManualClock();
    const cache = createCache({ maxEntries, policy, clock });
    let evicted = 0;
    cache.on('evict', (e) => { if (e.reason === 'size') evicted++; });
    for (const o of ops) {
      if (o.kind === 'set') cache.set(o.key, o.key * 10, o.ttl);
      else if (o.kind === 'get') { const v = cache.get(o.key); assert.ok(v === undefined || v === o.key * 10); }
      else if (o.kind === 'delete') cache.delete(o.key);
      else if (o.kind === 'advance') clock.advance(o.ms);
      else cache.clear();
      assert.ok(cache.size <= maxEntries);
      assert.equal(cache._cells[SIZE], cache.size, 'native size = map size');
      for (const [key, slot] of cache._map) assert.equal(cache._keys[slot], key);
    }
    assert.equal(cache.stats().evictions, evicted);
  }), { numRuns: 200 });
});

test('a process that used a cache with a ttl (sweep armed, clock cache armed) exits promptly', () => {
  const code = `
    const { createCache } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'cache.js'))});
    const cache = createCache({ maxEntries: 100, ttl: 60000, staleWhileRevalidate: 1000 });
    for (let i = 0; i < 1000; i++) cache.set(i, i);
    cache.getOrFetch('x', async () => 1).then((v) => console.log('DONE', v, cache.size));
  `;
  const started = Date.now();
  const child = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 20000 });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /DONE 1 100/);
  assert.ok(Date.now() - started < 5000, 'a timer kept the process alive');
});
