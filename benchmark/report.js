'use strict';
/**
 * Turns measured cases into markdown tables, bulwark-vs-anchor ratios and overheads above the
 * bare-await baseline. Pure functions over `{ def, result }` entries (def = the case, result =
 * what the child measured).
 * @module benchmark/report
 */

/** `lib` of reference cases (e.g. a bare await): neither bulwark nor an anchor. */
const BASELINE_LIB = 'baseline';
/** `lib` of the cases under test; every other lib is an anchor they are compared with. */
const BULWARK_LIB = 'bulwark';

const { kindLabel } = require('./harness');

const ns = (x) => x.toFixed(Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
const ops = (x) => Math.round(x).toLocaleString('en-US');

/**
 * The heading and column header of a group's markdown table.
 * @param {string} group
 * @returns {string}
 */
function tableHeader(group) {
  return [
    `## ${group}`,
    '',
    '| case | lib | loop | ns/op median | min | max | ops/s (median) |',
    '|---|---|---|---:|---:|---:|---:|',
  ].join('\n');
}

/**
 * One table row: a measured case, or FAILED when its child produced no result.
 * @param {{ def: object, result?: object }} entry
 * @returns {string}
 */
function tableRow({ def, result: r }) {
  if (!r) return `| ${def.name} | ${def.lib} | ${kindLabel(def)} | FAILED | | | |`;
  return `| ${r.name} | ${r.lib} | ${r.loop} | ${ns(r.median)} | ${ns(r.min)} | ${ns(r.max)} | ${ops(r.opsPerSec)} |`;
}

/** The name a bulwark case goes by in ratio lines: its `label`, or its name without "bulwark ". */
function subjectLabel(def) {
  return def.label ?? def.name.replace(/^bulwark\s+/, '');
}

/**
 * bulwark's ops/s over each anchor's, for every bulwark case and every anchor case of the same
 * group and loop. An anchor's `target` (a minimum ratio) gives PASS or BELOW. A bulwark case may
 * also list anchors it is compared with whatever their loop (`crossLoopAnchors`: its synchronous
 * API against an anchor whose API is async only, as a caller would use each).
 * @param {Array<{ def: object, result?: object }>} entries
 * @returns {Array<{ group: string, loop: string, subject: string, anchor: string, bulwarkId: string, anchorId: string, ratio: number, target: number | null, status: 'PASS' | 'BELOW' | null }>}
 */
function computeRatios(entries) {
  const ok = entries.filter((e) => e.result);
  const out = [];
  for (const b of ok.filter((e) => e.def.lib === BULWARK_LIB)) {
    const cross = b.def.crossLoopAnchors ?? [];
    const anchors = ok.filter(
      (e) =>
        e.def.group === b.def.group &&
        (e.result.loop === b.result.loop || cross.includes(e.def.lib)) &&
        e.def.lib !== BULWARK_LIB &&
        e.def.lib !== BASELINE_LIB,
    );
    for (const a of anchors) {
      const ratio = b.result.opsPerSec / a.result.opsPerSec;
      const target = a.def.target ?? null;
      out.push({
        group: b.def.group,
        loop: b.result.loop,
        subject: subjectLabel(b.def),
        anchor: a.def.label ?? a.def.lib,
        bulwarkId: b.result.id,
        anchorId: a.result.id,
        ratio,
        target,
        status: target === null ? null : ratio >= target ? 'PASS' : 'BELOW',
      });
    }
  }
  return out;
}

/**
 * ns/op of every non-baseline case minus the bare-await baseline of the same loop (same group
 * preferred, else any group). Cases with no such baseline are left out.
 * @param {Array<{ def: object, result?: object }>} entries
 * @returns {Array<{ id: string, group: string, lib: string, name: string, loop: string, nsPerOp: number, baselineNsPerOp: number, overheadNs: number }>}
 */
function computeOverheads(entries) {
  const ok = entries.filter((e) => e.result);
  const baselines = ok.filter((e) => e.def.lib === BASELINE_LIB);
  const out = [];
  const subjects = ok.filter((e) => e.def.lib !== BASELINE_LIB);
  subjects.sort((x, y) => (x.def.lib === BULWARK_LIB ? 0 : 1) - (y.def.lib === BULWARK_LIB ? 0 : 1));
  for (const e of subjects) {
    const sameLoop = baselines.filter((b) => b.result.loop === e.result.loop);
    const base = sameLoop.find((b) => b.def.group === e.def.group) ?? sameLoop[0];
    if (!base) continue;
    out.push({
      id: e.result.id,
      group: e.def.group,
      lib: e.def.lib,
      name: e.def.name,
      loop: e.result.loop,
      nsPerOp: e.result.median,
      baselineNsPerOp: base.result.median,
      overheadNs: e.result.median - base.result.median,
    });
  }
  return out;
}

/**
 * The RATIO section as text.
 * @param {ReturnType<typeof computeRatios>} ratios
 * @returns {string}
 */
function formatRatios(ratios) {
  if (ratios.length === 0) return '## RATIO\n\n(no bulwark/anchor pairs measured)';
  const heads = ratios.map((r) => `${r.subject} ${r.loop}: bulwark/${r.anchor}`);
  const width = Math.max(...heads.map((h) => h.length));
  const lines = ratios.map((r, i) => {
    const verdict = r.target === null ? '' : ` (target >= ${r.target}x) ${r.status}`;
    return `${heads[i].padEnd(width)} = ${r.ratio.toFixed(2).padStart(6)}x${verdict}`;
  });
  return ['## RATIO', '', '```', ...lines, '```'].join('\n');
}

/**
 * The OVERHEAD section (ns/op above a bare `await asyncNoop()`) as text.
 * @param {ReturnType<typeof computeOverheads>} overheads
 * @returns {string}
 */
function formatOverheads(overheads) {
  if (overheads.length === 0) return '## OVERHEAD above bare await\n\n(no baseline measured)';
  const lines = [
    '## OVERHEAD above bare await',
    '',
    '| case | loop | ns/op | bare await ns/op | overhead ns/op |',
    '|---|---|---:|---:|---:|',
  ];
  for (const o of overheads) {
    const sign = o.overheadNs >= 0 ? '+' : '';
    lines.push(`| ${o.group}: ${o.name} | ${o.loop} | ${ns(o.nsPerOp)} | ${ns(o.baselineNsPerOp)} | ${sign}${ns(o.overheadNs)} |`);
  }
  return lines.join('\n');
}

module.exports = { tableHeader, tableRow, computeRatios, computeOverheads, formatRatios, formatOverheads };
