'use strict';
/**
 * Group "ratelimit": the synchronous admission check, and per-key consumption over 10k keys.
 * @module benchmark/cases/ratelimit
 */
const group = 'ratelimit';
/** Keyed limits have their own group, so they are not paired with the single-limit anchor. */
const keyedGroup = 'keyed';
const KEYS = Array.from({ length: 10_000 }, (_, i) => `user:${i * 7919 + 12345}`);

module.exports = [
  {
    group,
    name: 'bulwark tryAcquire()',
    lib: 'bulwark',
    kind: 'sync',
    setup: () => {
      const { createRateLimiter } = require('../../index.js');
      const limiter = createRateLimiter({ limit: 1e9, interval: 1000, burst: 1e9 });
      return () => limiter.tryAcquire();
    },
  },
  {
    group,
    name: 'bottleneck _store.check(1, Date.now()) (internal sync)',
    lib: 'bottleneck',
    kind: 'sync',
    target: 1,
    setup: () => {
      const Bottleneck = require('bottleneck');
      const limiter = new Bottleneck({ maxConcurrent: null, minTime: 0, reservoir: 1e15 });
      const store = limiter._store;
      return { fn: () => store.check(1, Date.now()), teardown: () => limiter.stop({ dropWaitingJobs: false }).catch(() => {}) };
    },
  },
  {
    group: keyedGroup,
    name: 'bulwark keyed consume(key), 10k keys (sync, as the middleware calls it)',
    lib: 'bulwark',
    kind: 'sync',
    crossLoopAnchors: ['rate-limiter-flexible'],
    setup: () => {
      const { createKeyedRateLimiter } = require('../../index.js');
      const limiter = createKeyedRateLimiter({ limit: 1e6, interval: 1000, maxKeys: 20_000 });
      return { fn: (i) => limiter.consume(KEYS[i % KEYS.length]), teardown: () => limiter.close() };
    },
  },
  {
    group: keyedGroup,
    name: 'bulwark keyed consume(key), 10k keys (awaited)',
    lib: 'bulwark',
    kind: 'async',
    setup: () => {
      const { createKeyedRateLimiter } = require('../../index.js');
      const limiter = createKeyedRateLimiter({ limit: 1e6, interval: 1000, maxKeys: 20_000 });
      return { fn: async (i) => limiter.consume(KEYS[i % KEYS.length]), teardown: () => limiter.close() };
    },
  },
  {
    group: keyedGroup,
    name: 'rate-limiter-flexible RateLimiterMemory.consume(key), 10k keys',
    lib: 'rate-limiter-flexible',
    kind: 'async',
    target: 3,
    setup: () => {
      const { RateLimiterMemory } = require('rate-limiter-flexible');
      const limiter = new RateLimiterMemory({ points: 1e6, duration: 1 });
      return (i) => limiter.consume(KEYS[i % KEYS.length]);
    },
  },
];
