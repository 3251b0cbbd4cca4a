'use strict';
// Rate limiters: GCRA admission on a ManualClock (50 per 10 s, 20/s), burst, retryAfter, FIFO
// acquire with maxWait and abort, keyed limits with bounded keys, the HTTP middleware against a
// real node:http server, and the rateLimit policy part / decorator.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const {
  createRateLimiter, createKeyedRateLimiter, RateLimitedError, ManualClock, rateLimitMiddleware,
  resilienceManager, WithRateLimit, ResilienceError,
} = require('..');

test('50 requests per 10 seconds (seed 000): a burst of 50, then one every 200 ms', () => {
  const clock = new ManualClock(1000);
  const limiter = createRateLimiter({ limit: 50, interval: 10000, clock });
  let admitted = 0;
  for (let i = 0; i < 80; i++) if (limiter.tryAcquire()) admitted++;
  assert.equal(admitted, 50);
  assert.equal(limiter.retryAfter(), 200);
  clock.advance(199);
  assert.equal(limiter.tryAcquire(), false);
  clock.advance(1);
  assert.equal(limiter.tryAcquire(), true, 'admitted exactly at retryAfter');
  assert.equal(limiter.tryAcquire(), false);
  const m = limiter.getMetrics();
  assert.equal(m.allowed, 51);
  assert.equal(m.limited, 32);
});

test('burst smaller than the limit spreads requests; n > 1 takes several', () => {
  const clock = new ManualClock();
  const limiter = createRateLimiter({ limit: 20, interval: 1000, burst: 5, clock });
  assert.equal(limiter.tryAcquire(5), true);
  assert.equal(limiter.tryAcquire(), false);
  assert.equal(limiter.retryAfter(), 50);
  assert.equal(limiter.retryAfter(3), 150);
  clock.advance(100);
  const r = limiter.consume(2);
  assert.deepEqual(r, { allowed: true, remaining: 0, retryAfter: 0, reset: 250 });
  assert.throws(() => limiter.tryAcquire(6), (e) => e instanceof RangeError && /burst = 5/.test(e.message), 'n above the burst can never be admitted');
});

test('acquire waits its turn in FIFO order, refuses at once past maxWait, and stops on abort', async () => {
  const limiter = createRateLimiter({ limit: 50, interval: 1000, burst: 1 });
  const order = [];
  const started = performance.now();
  await Promise.all([1, 2, 3, 4].map((i) => limiter.acquire().then(() => order.push(i))));
  const took = performance.now() - started;
  assert.deepEqual(order, [1, 2, 3, 4]);
  assert.ok(took >= 55 && took < 1000, `3 waits of 20 ms, took ${took}`);
  const refused = await limiter.acquire(1, { maxWait: 5 }).catch((e) => e);
  assert.ok(refused instanceof RateLimitedError && refused instanceof ResilienceError);
  assert.equal(refused.code, 'RATE_LIMITED');
  assert.ok(refused.retryAfter > 5 && refused.retryAfter <= 20, `retryAfter ${refused.retryAfter}`);
  const controller = new AbortController();
  const slow = createRateLimiter({ limit: 1, interval: 60000 });
  slow.tryAcquire();
  const waiting = slow.acquire(1, { signal: controller.signal });
  controller.abort(new Error('gave up'));
  await assert.rejects(waiting, /gave up/);
  assert.equal(slow.getMetrics().waiting, 0);
});

test('a named limiter is shared; other settings under its name are refused', () => {
  const a = createRateLimiter({ name: 'shared-rl', limit: 10, interval: 1000 });
  assert.equal(createRateLimiter({ name: 'shared-rl', limit: 10, interval: 1000 }), a);
  assert.throws(() => createRateLimiter({ name: 'shared-rl', limit: 11, interval: 1000 }), (e) => e instanceof RangeError && /limit/.test(e.message));
  assert.notEqual(createRateLimiter({ limit: 10, interval: 1000 }), createRateLimiter({ limit: 10, interval: 1000 }));
});

test('keyed: each key has its own limit; peek, delete, size', () => {
  const clock = new ManualClock();
  const limiter = createKeyedRateLimiter({ limit: 2, interval: 1000, maxKeys: 1000, clock });
  assert.deepEqual(limiter.consume('alice'), { allowed: true, remaining: 1, retryAfter: 0, reset: 500 });
  assert.equal(limiter.consume('alice').allowed, true);
  assert.deepEqual(limiter.consume('alice'), { allowed: false, remaining: 0, retryAfter: 500, reset: 1000 });
  assert.equal(limiter.consume('bob').allowed, true);
  assert.equal(limiter.consume(42).allowed, true, 'numbers are keys too');
  assert.equal(limiter.size, 3);
  assert.equal(limiter.peek('alice').allowed, false);
  clock.advance(500);
  assert.equal(limiter.peek('alice').allowed, true);
  assert.equal(limiter.delete('alice'), true);
  assert.equal(limiter.size, 2);
  assert.equal(limiter.consume('alice').remaining, 1, 'a deleted key starts with a full bucket');
  assert.throws(() => limiter.consume({}), TypeError);
  assert.throws(() => limiter.consume('x'.repeat(2000)), RangeError);
  assert.throws(() => limiter.consume('k', 3), RangeError);
  limiter.close();
});

test('keyed: memory is bounded by maxKeys; recovered keys go first, then the policy decides', () => {
  const clock = new ManualClock();
  const lru = createKeyedRateLimiter({ limit: 1, interval: 60000, maxKeys: 32, clock });
  for (let i = 0; i < 1000; i++) lru.consume(`ip-${i}`);
  assert.ok(lru.size <= 32 + 16, `size ${lru.size} stays near maxKeys`);
  lru.close();
  const strict = createKeyedRateLimiter({ limit: 1, interval: 60000, maxKeys: 16, whenFull: 'reject', clock });
  let refusedNew = 0;
  for (let i = 0; i < 200; i++) if (!strict.consume(`ip-${i}`).allowed) refusedNew++;
  assert.ok(refusedNew > 0, 'a full limiter that rejects refuses new keys');
  assert.ok(strict.size <= 16 + 15);
  clock.advance(60000);
  assert.equal(strict.consume('newcomer').allowed, true, 'once keys have recovered, new ones are admitted');
  strict.close();
});

test('rateLimitMiddleware on a real node:http server answers 429 with Retry-After and RateLimit-* headers', async () => {
  const limiter = createKeyedRateLimiter({ limit: 3, interval: 60000, maxKeys: 100 });
  const limit = rateLimitMiddleware({ limiter, key: (req) => req.headers['x-api-key'] || 'anonymous' });
  const server = http.createServer((req, res) => {
    if (!limit(req, res)) return;
    res.end('ok');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  try {
    const statuses = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await fetch(url, { headers: { 'x-api-key': 'team-a' } });
      statuses.push(last.status);
      if (i === 0) {
        assert.equal(last.headers.get('ratelimit-limit'), '3');
        assert.equal(last.headers.get('ratelimit-remaining'), '2');
        assert.equal(last.headers.get('ratelimit-policy'), '3;w=60');
      }
      await last.text();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.equal(last.headers.get('retry-after'), '20');
    assert.equal(last.headers.get('ratelimit-remaining'), '0');
    const other = await fetch(url, { headers: { 'x-api-key': 'team-b' } });
    assert.equal(other.status, 200, 'another key has its own limit');
    await other.text();
  } finally {
    server.close();
    limiter.close();
  }
});

test('middleware works Express-style: next() when allowed, next(error) when the key function throws', () => {
  const limiter = createRateLimiter({ limit: 1, interval: 60000 });
  const mw = rateLimitMiddleware({ limiter });
  const headers = {};
  const res = { setHeader: (k, v) => { headers[k] = v; }, end: (body) => { res.body = body; }, statusCode: 200 };
  let nextCalls = 0;
  mw({ socket: { remoteAddress: '127.0.0.1' } }, res, () => nextCalls++);
  mw({ socket: { remoteAddress: '127.0.0.1' } }, res, () => nextCalls++);
  assert.equal(nextCalls, 1);
  assert.equal(res.statusCode, 429);
  assert.match(res.body, /Too Many Requests/);
  const keyed = createKeyedRateLimiter({ limit: 1, interval: 1000 });
  const broken = rateLimitMiddleware({ limiter: keyed, key: () => { throw new Error('no key'); } });
  let passed;
  broken({}, res, (error) => { passed = error; });
  assert.match(passed.message, /no key/);
  keyed.close();
  assert.throws(() => rateLimitMiddleware({ limiter: {} }), TypeError);
});

test('rateLimit policy part: rejects over the limit, or waits with wait: true', async () => {
  const name = `rl-policy-${Math.random()}`;
  const policy = { rateLimit: { limit: 2, interval: 60000 } };
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await resilienceManager.execute(name, async () => 'ok', policy).catch((e) => e.code));
  assert.deepEqual(results, ['ok', 'ok', 'RATE_LIMITED']);
  const waitName = `rl-wait-${Math.random()}`;
  const waitPolicy = { rateLimit: { limit: 100, interval: 1000, burst: 1, wait: true, maxWait: 1000 } };
  const started = performance.now();
  await Promise.all([1, 2, 3].map(() => resilienceManager.execute(waitName, async () => 'ok', waitPolicy)));
  assert.ok(performance.now() - started >= 15, 'the later calls waited their turn');
});

test('WithRateLimit decorates a method (called as an experimental decorator here)', async () => {
  const decorate = WithRateLimit({ limit: 1, interval: 60000 });
  const descriptor = { value: async function fetchQuote(symbol) { return `${symbol}:${this.venue}`; } };
  decorate({}, 'fetchQuote', descriptor);
  const service = { venue: 'XNAS', fetchQuote: descriptor.value };
  assert.equal(await service.fetchQuote('ACME'), 'ACME:XNAS');
  await assert.rejects(service.fetchQuote('ACME'), RateLimitedError);
  assert.equal(descriptor.value.name, 'fetchQuote');
});

test('bad limiter options are refused with the option named', () => {
  const bad = [
    [{ limit: 0, interval: 1000 }, RangeError, 'limit'],
    [{ limit: 1.5, interval: 1000 }, RangeError, 'limit'],
    [{ limit: 10 }, TypeError, 'interval'],
    [{ limit: 10, interval: -1 }, RangeError, 'interval'],
    [{ limit: 10, interval: 2 ** 31 }, RangeError, 'interval'],
    [{ limit: 10, interval: 1000, burst: 0 }, RangeError, 'burst'],
    [{ limit: '10', interval: 1000 }, TypeError, 'limit'],
    [{ limit: 10, interval: 1000, limt: 3 }, TypeError, "'limt'"],
    [undefined, TypeError, 'options'],
  ];
  for (const [options, Kind, option] of bad) {
    assert.throws(() => createRateLimiter(options), (e) => e instanceof Kind && e.message.includes(option), JSON.stringify(options));
  }
  assert.throws(() => createKeyedRateLimiter({ limit: 1, interval: 1000, maxKeys: 0 }), RangeError);
  assert.throws(() => createKeyedRateLimiter({ limit: 1, interval: 1000, whenFull: 'drop' }), TypeError);
  const limiter = createRateLimiter({ limit: 5, interval: 1000 });
  assert.throws(() => limiter.tryAcquire(0), RangeError);
  assert.throws(() => limiter.tryAcquire('1'), TypeError);
});

test('a keyed limiter dropped without close() is garbage-collected (its sweep holds it weakly)', { skip: typeof global.gc !== 'function' && 'needs --expose-gc' }, async () => {
  let limiter = createKeyedRateLimiter({ limit: 1, interval: 1000, sweepInterval: 1 });
  const ref = new WeakRef(limiter);
  limiter.consume('k');
  limiter = undefined;
  for (let i = 0; i < 10 && ref.deref() !== undefined; i++) {
    await new Promise((r) => setTimeout(r, 5));
    global.gc();
  }
  assert.equal(ref.deref(), undefined);
});
