'use strict';
/**
 * Groups "cache get", "cache get ttl", "cache set update", "cache set insert": bulwark's Cache
 * against lru-cache 11 (the
 * anchor: `get` hit 36 ns, `set` update 71 ns, insert+evict 226 ns in PERFORMANCE.md), with the
 * anchor's own workload (10k string keys in a cache of 100k; 1M keys cycling through 100k).
 *
 * Speed is half of a cache; the other half is what it keeps. {@link hitRatioReport} replays one
 * Zipf(0.9) trace over 1M keys through a 10k cache, with and without one-off scans mixed in,
 * and prints each cache's hit ratio (bulwark's must be >= lru-cache's).
 * @module benchmark/cases/cache
 */
const path = require('node:path');

// Straight from lib/ until the package root exports the cache.
const BULWARK_CACHE = path.join(__dirname, '..', '..', 'lib', 'cache.js');
const KEYS = Array.from({ length: 10_000 }, (_, i) => 'user:' + (i * 7919 + 12345));
const TTL = 60_000;
/** bulwark within 1.5x of lru-cache: bulwark ops/s >= 1/1.5 of lru-cache's. */
const WITHIN_1_5X = 0.67;

function bulwarkCache(options) {
  const { createCache } = require(BULWARK_CACHE);
  return createCache({ name: 'bench', ...options });
}

function lruCache(options) {
  const { LRUCache } = require('lru-cache');
  return new LRUCache(options);
}

/** A cache of `max` holding the 10k keys. */
function filled(make, max, ttl) {
  const c = make(ttl ? { max, ttl } : { max });
  for (let i = 0; i < KEYS.length; i++) c.set(KEYS[i], i);
  return c;
}

const makers = {
  bulwark: ({ max, ttl }) => bulwarkCache(ttl ? { maxEntries: max, ttl } : { maxEntries: max }),
  'lru-cache': (options) => lruCache(options),
};

/** The get / set-update / insert cases of one library. */
function casesOf(lib) {
  const make = makers[lib];
  const anchor = lib === 'bulwark' ? {} : { target: WITHIN_1_5X };
  const name = (what) => `${lib === 'bulwark' ? 'bulwark cache' : lib}.${what}`;
  const getHit = (ttl) => () => {
    const c = filled(make, 100_000, ttl);
    return () => {
      let s = 0;
      for (let i = 0; i < KEYS.length; i++) s += c.get(KEYS[i]);
      return s;
    };
  };
  return [
    { group: 'cache get', name: name('get hit, 10k keys'), lib, kind: 'sync', opsPerCall: KEYS.length, ...anchor, setup: getHit(0) },
    { group: 'cache get ttl', name: name(`get hit, 10k keys, ttl ${TTL}`), lib, kind: 'sync', opsPerCall: KEYS.length, ...anchor, setup: getHit(TTL) },
    {
      group: 'cache set update',
      name: name('set update, 10k keys'),
      lib,
      kind: 'sync',
      opsPerCall: KEYS.length,
      setup: () => {
        const c = filled(make, 100_000, 0);
        return (r) => {
          for (let i = 0; i < KEYS.length; i++) c.set(KEYS[i], i + r);
        };
      },
    },
    {
      group: 'cache set insert',
      name: name('set insert+evict, 1M keys cycling, max 100k'),
      lib,
      kind: 'sync',
      opsPerCall: 10_000,
      setup: () => {
        const keys = Array.from({ length: 1_000_000 }, (_, i) => 'k:' + i);
        const c = make({ max: 100_000 });
        let j = 0;
        return () => {
          for (let i = 0; i < 10_000; i++) {
            c.set(keys[j], j);
            if (++j === keys.length) j = 0;
          }
        };
      },
    },
  ];
}

/** mulberry32: a small seeded PRNG, so every run replays the same trace. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A trace of key indices: `length` draws of Zipf(`s`) over `universe` keys; every `scanEvery`
 * draws (0 = never), a scan of `scanLength` keys never seen before (indices >= universe).
 */
function trace({ universe, s, length, scanEvery = 0, scanLength = 0, seed = 42 }) {
  const cdf = new Float64Array(universe);
  let sum = 0;
  for (let i = 0; i < universe; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  const random = prng(seed);
  const out = [];
  let fresh = universe;
  for (let n = 0; n < length; n++) {
    const u = random() * sum;
    let lo = 0;
    let hi = universe - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out.push(lo);
    if (scanEvery > 0 && (n + 1) % scanEvery === 0) for (let k = 0; k < scanLength; k++) out.push(fresh++);
  }
  return Int32Array.from(out);
}

/** Replays `keys[trace[i]]` as get-else-set; returns the hit ratio and ns per access. */
function replay(cache, keys, accesses) {
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < accesses.length; i++) {
    const key = keys[accesses[i]];
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, 1);
  }
  const ns = Number(process.hrtime.bigint() - t0) / accesses.length;
  return { ratio: hits / accesses.length, ns };
}

const CAPACITY = 10_000;
const WORKLOADS = [
  { label: 'Zipf(0.9), 1M keys', universe: 1_000_000, s: 0.9, length: 2_000_000 },
  { label: 'Zipf(0.9) + one-off scans (20k keys every 100k)', universe: 1_000_000, s: 0.9, length: 2_000_000, scanEvery: 100_000, scanLength: 20_000 },
];
const CONTENDERS = [
  ['bulwark (tinylfu)', () => bulwarkCache({ name: 'hit-ratio', maxEntries: CAPACITY })],
  ['bulwark (lru)', () => bulwarkCache({ name: 'hit-ratio', maxEntries: CAPACITY, policy: 'lru' })],
  ['lru-cache', () => lruCache({ max: CAPACITY })],
];

/**
 * The HIT RATIO section (a cache of 10k over each workload), or '' when no cache case is selected.
 * @param {Array<{ group: string }>} selected the cases this run measured
 * @returns {string}
 */
function hitRatioReport(selected) {
  if (!selected.some((c) => c.group.startsWith('cache'))) return '';
  const lines = [
    `## HIT RATIO (cache of ${CAPACITY.toLocaleString('en-US')}; get, else set)`,
    '',
    `| workload | accesses | ${CONTENDERS.map(([name]) => name).join(' | ')} | bulwark/lru-cache |`,
    `|---|---:|${CONTENDERS.map(() => '---:|').join('')}---|`,
  ];
  for (const w of WORKLOADS) {
    const accesses = trace(w);
    let maxIndex = 0;
    for (const a of accesses) if (a > maxIndex) maxIndex = a;
    const keys = Array.from({ length: maxIndex + 1 }, (_, i) => 'k:' + i);
    const results = CONTENDERS.map(([, make]) => replay(make(), keys, accesses));
    const cells = results.map((r) => `${(r.ratio * 100).toFixed(2)}% (${r.ns.toFixed(0)} ns/access)`);
    const verdict = results[0].ratio >= results[2].ratio ? 'PASS' : 'BELOW';
    lines.push(`| ${w.label} | ${accesses.length.toLocaleString('en-US')} | ${cells.join(' | ')} | ${(results[0].ratio / results[2].ratio).toFixed(3)}x ${verdict} |`);
  }
  return lines.join('\n');
}

const cases = [...casesOf('bulwark'), ...casesOf('lru-cache')];
module.exports = Object.assign(cases, { hitRatioReport, trace, replay });
