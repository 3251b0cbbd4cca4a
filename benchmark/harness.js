'use strict';
/**
 * Micro-benchmark harness (after /work/shared/perf-probe/lib/harness.mjs).
 *
 * Method:
 *  - every case runs in its OWN child process (`node run.js --one <id>`): fresh JIT/GC state,
 *    monomorphic call sites, no cross-talk between libraries' timers;
 *  - calibrate n so one timed rep takes ~TARGET_MS, warm up (>= WARMUP_MS of the same loop),
 *    then REPS timed reps with process.hrtime.bigint();
 *  - report ns/op per rep -> median, min, max; ops/s = 1e9 / median.
 *
 * Loop kinds:
 *  - sync  : for (i < n) fn(i)                          (result folded into a sink)
 *  - async : for (i < n) await fn(i)                    (sequential: one call in flight)
 *  - batch : for (b < n/W) await Promise.all(W x fn(j)) (W in flight, default W = 100)
 *
 * A case is `{ group, name, lib, kind, width?, opsPerCall?, label?, target?, setup, teardown? }`.
 * `setup()` (may be async) returns the function to time, or `{ fn, teardown }`.
 * @module benchmark/harness
 */
const { spawnSync } = require('node:child_process');

/** Settings, overridable through the environment. */
const CONFIG = Object.freeze({
  REPS: Number(process.env.REPS ?? 5),
  TARGET_MS: Number(process.env.TARGET_MS ?? 250),
  WARMUP_MS: Number(process.env.WARMUP_MS ?? 600),
});
const DEFAULT_WIDTH = 100;
const CALIBRATE_NS = 20e6;
const CHILD_TIMEOUT_MS = 5 * 60_000;
const KINDS = ['sync', 'async', 'batch'];

const hr = process.hrtime.bigint;
let sink = 0;

function syncLoop(fn, n) {
  let s = 0;
  const t0 = hr();
  for (let i = 0; i < n; i++) {
    const r = fn(i);
    if (r === 0.123456789) s++; // keeps the result observable
  }
  const t1 = hr();
  sink += s;
  return Number(t1 - t0);
}

async function asyncLoop(fn, n) {
  let s = 0;
  const t0 = hr();
  for (let i = 0; i < n; i++) {
    const r = await fn(i);
    if (r === 0.123456789) s++;
  }
  const t1 = hr();
  sink += s;
  return Number(t1 - t0);
}

async function batchLoop(fn, n, width) {
  const arr = new Array(width);
  const batches = Math.max(1, Math.round(n / width));
  const t0 = hr();
  for (let b = 0; b < batches; b++) {
    for (let j = 0; j < width; j++) arr[j] = fn(j);
    await Promise.all(arr);
  }
  const t1 = hr();
  return Number(t1 - t0) * (n / (batches * width)); // normalised to n calls
}

function timeN(def, fn, n) {
  if (def.kind === 'sync') return syncLoop(fn, n);
  if (def.kind === 'async') return asyncLoop(fn, n);
  return batchLoop(fn, n, widthOf(def));
}

function widthOf(def) {
  return def.width ?? DEFAULT_WIDTH;
}

function median(values) {
  const s = [...values].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The loop's short name: `seq` (sequential await), `batch x<W>` or `sync`.
 * @param {{ kind: string, width?: number }} def
 * @returns {string}
 */
function kindLabel(def) {
  if (def.kind === 'async') return 'seq';
  if (def.kind === 'batch') return `batch x${widthOf(def)}`;
  return def.kind;
}

/**
 * The unique id of a case, used for `--one` and for filtering: `group: name [loop]`.
 * @param {{ group: string, name: string, kind: string, width?: number }} def
 * @returns {string}
 */
function caseId(def) {
  return `${def.group}: ${def.name} [${kindLabel(def)}]`;
}

/**
 * Throws if a case list is malformed (missing fields, unknown kind, duplicate ids).
 * @param {object[]} cases
 */
function validateCases(cases) {
  const seen = new Set();
  for (const c of cases) {
    for (const key of ['group', 'name', 'lib', 'kind']) {
      if (typeof c[key] !== 'string' || c[key] === '') throw new TypeError(`benchmark case ${JSON.stringify(c.name)}: ${key} must be a non-empty string`);
    }
    if (!KINDS.includes(c.kind)) throw new TypeError(`benchmark case ${caseId(c)}: kind must be one of ${KINDS.join(', ')}`);
    if (typeof c.setup !== 'function') throw new TypeError(`benchmark case ${caseId(c)}: setup must be a function`);
    const id = caseId(c);
    if (seen.has(id)) throw new Error(`duplicate benchmark case ${id}`);
    seen.add(id);
  }
}

/**
 * Measures one case in this process: calibrate, warm up, REPS timed reps.
 * @param {object} def a case (see the module doc)
 * @returns {Promise<object>} the case's id fields plus nsPerOp[], median, min, max, opsPerSec
 */
async function measure(def) {
  const made = await def.setup();
  const fn = typeof made === 'function' ? made : made.fn;
  const teardown = typeof made === 'function' ? def.teardown : (made.teardown ?? def.teardown);
  const opsPerCall = def.opsPerCall ?? 1;
  const minN = def.kind === 'batch' ? widthOf(def) : 1;

  let n = minN;
  let t = await timeN(def, fn, n);
  while (t < CALIBRATE_NS) {
    n *= 4;
    t = await timeN(def, fn, n);
  }
  n = Math.max(minN, Math.round((n * CONFIG.TARGET_MS * 1e6) / t));

  const warmEnd = Date.now() + CONFIG.WARMUP_MS;
  do await timeN(def, fn, n);
  while (Date.now() < warmEnd);

  const nsPerOp = [];
  for (let r = 0; r < CONFIG.REPS; r++) nsPerOp.push((await timeN(def, fn, n)) / (n * opsPerCall));
  if (teardown) await teardown();

  const med = median(nsPerOp);
  return {
    id: caseId(def),
    group: def.group,
    name: def.name,
    lib: def.lib,
    kind: def.kind,
    loop: kindLabel(def),
    callsPerRep: n,
    opsPerCall,
    nsPerOp,
    median: med,
    min: Math.min(...nsPerOp),
    max: Math.max(...nsPerOp),
    opsPerSec: 1e9 / med,
    sink,
  };
}

/**
 * Child side: if argv holds `--one <id>`, measures that case, prints `RESULT <json>` and exits
 * (exiting explicitly so that timers a library left behind cannot keep the child alive).
 * @param {object[]} cases
 * @returns {Promise<boolean>} false when this process is not a child
 */
async function runChildIfAsked(cases) {
  const idx = process.argv.indexOf('--one');
  if (idx === -1) return false;
  const id = process.argv[idx + 1];
  const def = cases.find((c) => caseId(c) === id);
  if (!def) throw new Error(`no benchmark case ${JSON.stringify(id)}`);
  const res = await measure(def);
  process.stdout.write('RESULT ' + JSON.stringify(res) + '\n', () => process.exit(0));
  return true;
}

/**
 * Parent side: runs one case in a child process of `scriptPath`.
 * @param {string} scriptPath the script that defines the cases (re-run with `--one`)
 * @param {object} def
 * @returns {{ ok: true, result: object } | { ok: false, error: string }}
 */
function runInChild(scriptPath, def) {
  const p = spawnSync(process.execPath, [...process.execArgv, scriptPath, '--one', caseId(def)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: CHILD_TIMEOUT_MS,
  });
  const line = (p.stdout || '').split('\n').find((l) => l.startsWith('RESULT '));
  if (line) return { ok: true, result: JSON.parse(line.slice(7)) };
  const why = p.error ? p.error.message : `exit code ${p.status}${p.signal ? `, signal ${p.signal}` : ''}`;
  return { ok: false, error: `${why}\n${(p.stderr || '').trim()}`.trim() };
}

/**
 * The cases whose id contains one of the `|`-separated substrings of `filter` (all when empty).
 * @param {object[]} cases
 * @param {string | undefined} filter
 * @returns {object[]}
 */
function selectCases(cases, filter) {
  if (!filter) return cases;
  const parts = filter.split('|').filter(Boolean);
  return cases.filter((c) => parts.some((f) => caseId(c).includes(f)));
}

module.exports = { CONFIG, caseId, kindLabel, validateCases, measure, runChildIfAsked, runInChild, selectCases };
