'use strict';
/**
 * Output for the demo: colours and an in-place status line on a terminal, plain text when piped
 * (stdout not a TTY) or when NO_COLOR is set, so CI logs stay readable.
 */
const out = process.stdout;
const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
const fancy = Boolean(out.isTTY) && !noColor && process.env.TERM !== 'dumb';

const sgr = (code) => (text) => (fancy ? `\x1b[${code}m${text}\x1b[0m` : String(text));
const c = { bold: sgr('1'), dim: sgr('2'), red: sgr('31'), green: sgr('32'), yellow: sgr('33'), cyan: sgr('36'), inverse: sgr('7') };
const STATE_COLOR = { CLOSED: c.green, OPEN: c.red, HALF_OPEN: c.yellow };

/** Pads the visible text (colour codes take no room) to `width`, right-aligned unless `left`. */
function pad(text, width, left = false) {
  const s = String(text);
  const visible = s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const fill = ' '.repeat(Math.max(0, width - visible));
  return left ? s + fill : fill + s;
}
const state = (name, width = 9) => STATE_COLOR[name](pad(name, width, true));
const pct = (rate) => `${Math.round(rate * 100)}%`;
const secs = (ms) => `${(ms / 1000).toFixed(2)}s`;

// ── the screen: log lines scroll; on a terminal one status line at the bottom is redrawn ──
let statusText = '';
function log(line = '') {
  if (fancy && statusText) out.write('\r\x1b[2K');
  out.write(`${line}\n`);
  if (fancy && statusText) out.write(statusText);
}
function status(text) {
  if (!fancy) return;
  // A line wider than the terminal would wrap, and `\r` could not redraw it: cut it (plain) to fit.
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  const width = (out.columns || 80) - 1;
  statusText = plain.length > width ? plain.slice(0, width) : text;
  out.write(`\r\x1b[2K${text}`);
}
function clearStatus() {
  if (fancy && statusText) out.write('\r\x1b[2K');
  statusText = '';
}

// ── the per-second table ──
const BAR = 24;
/** One character per ~1/24 of the attempts: = ok, x failed, T timed out, - fast-failed. */
function bar(d) {
  const total = d.successes + d.failures + d.rejections;
  if (total === 0) return '';
  let sum = 0;
  let drawn = 0;
  const seg = (color, ch, n) => {
    sum += n;
    const width = Math.round((sum / total) * BAR) - drawn; // cumulative rounding: always BAR wide
    drawn += width;
    return width > 0 ? color(ch.repeat(width)) : '';
  };
  return seg(c.green, '=', d.successes) + seg(c.red, 'x', d.failures - d.timeouts) + seg(c.yellow, 'T', d.timeouts) + seg(c.dim, '-', d.rejections);
}

const COLUMNS = '    t  phase       state       sent    ok  fail  t/o  fast  server  win.fail';
function tableHeader() {
  log(c.bold(COLUMNS));
  log(c.dim('       (per second: sent = attempted, fast = fast-failed by the open breaker, server = requests the'));
  log(c.dim('        service received; win.fail = failure rate in the breaker window; bar: = ok x fail T timeout - fast)'));
}

/** One row: the deltas `d` of the last second, the state now and the window's failure rate. */
function tableRow(t, phase, m, d, served) {
  const sent = d.successes + d.failures + d.rejections;
  const win = m.windowCalls > 0 ? `${pct(m.failureRate)}/${m.windowCalls}` : '-';
  log(
    `${pad(Math.round(t / 1000), 4)}s  ${pad(phase, 10, true)}  ${state(m.state)}  ${pad(sent, 5)} ${pad(d.successes, 5)} ` +
      `${pad(d.failures - d.timeouts, 5)} ${pad(d.timeouts, 4)} ${pad(d.rejections, 5)} ${pad(served, 7)}  ${pad(win, 8, true)}  ${bar(d)}`,
  );
}

const WHY = {
  'CLOSED>OPEN': (o) => `too many failures: calls now fail fast for ${o.resetTimeout} ms`,
  'OPEN>HALF_OPEN': () => 'reset timeout passed: letting a trial call through',
  'HALF_OPEN>OPEN': (o) => `trial call failed: failing fast again for ${o.resetTimeout} ms`,
  'HALF_OPEN>CLOSED': (o) => `${o.successThreshold} trial calls succeeded: traffic flows again`,
};
function stateChangeLine(tr, options) {
  const why = WHY[`${tr.from}>${tr.to}`]?.(options) ?? '';
  const color = STATE_COLOR[tr.to];
  log(`${c.bold(color(`  >> ${pad(`+${secs(tr.t)}`, 7)}  ${pad(tr.from, 9, true)} -> ${pad(tr.to, 9, true)}`))} ${c.dim(`[${tr.phase}]`)} ${why}`);
}

// ── the summary ──
function summary({ elapsed, perPhase, received, metrics, transitions, timeIn, checks }) {
  const all = perPhase.reduce((a, p) => ({ attempted: a.attempted + p.attempted, fastFailed: a.fastFailed + p.fastFailed }), { attempted: 0, fastFailed: 0 });
  const admitted = metrics.successes + metrics.failures;
  log();
  log(c.bold(`=== Summary after ${secs(elapsed)} ===`));
  log(`requests attempted by the clients  ${pad(all.attempted, 6)}`);
  log(`  reached the service              ${pad(received, 6)}   (counted by the server)`);
  log(`  fast-failed by the breaker       ${pad(all.fastFailed, 6)}   ${c.bold(pct(all.fastFailed / Math.max(1, all.attempted)))} of the load the service never had to see`);
  log(
    `breaker metrics: ${admitted} calls (${metrics.successes} ok, ${metrics.failures - metrics.timeouts} failed, ${metrics.timeouts} timed out), ` +
      `${metrics.rejections} rejections, final state ${state(metrics.state, 0)}`,
  );
  log();
  log(c.bold('per phase     attempted  reached service  fast-failed     ok  failed  timed out'));
  for (const p of perPhase) {
    log(
      `${pad(p.name, 12, true)}  ${pad(p.attempted, 9)}  ${pad(p.received, 15)}  ${pad(p.fastFailed, 11)}  ${pad(p.ok, 5)}  ${pad(p.failed, 6)}  ${pad(p.timedOut, 9)}`,
    );
  }
  log();
  log(c.bold(`state transitions (${transitions.length}):`));
  for (const tr of transitions) log(`  +${pad(secs(tr.t), 6)}  ${pad(tr.from, 9, true)} -> ${state(tr.to)}  ${c.dim(`[${tr.phase}]`)}`);
  log(c.bold('time in each state:'));
  for (const [name, ms] of Object.entries(timeIn)) log(`  ${state(name)}  ${pad(secs(ms), 7)}  ${pad(pct(ms / elapsed), 4)}`);
  log();
  log(c.bold('checks:'));
  for (const [text, ok] of checks) log(`  ${ok ? c.green('[ok]  ') : c.red('[MISS]')} ${text}`);
}

module.exports = { c, fancy, log, status, clearStatus, state, pct, secs, tableHeader, tableRow, stateChangeLine, summary };
