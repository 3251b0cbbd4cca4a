'use strict';
/**
 * bulwark live demo: one circuit breaker in front of a flaky HTTP service (`npm run demo`, ~25 s).
 *
 * What happens
 *   A local HTTP service (examples/demo/flaky-server.js) follows a script of phases:
 *     healthy (2% errors, 10-30 ms) -> degrading (40% errors, 100-400 ms) -> outage (every request
 *     gets a 503 or hangs forever) -> recovering (10% errors) -> healthy.
 *   Five clients each send ~20 requests/s with `fetch`, all through ONE breaker. The breaker's
 *   per-call `timeout` (300 ms) aborts the fetch through the AbortSignal it passes in.
 *
 * How to read it
 *   - Every second, one table row: what happened in that second (sent = attempted, ok, fail,
 *     t/o = timed out, fast = fast-failed by the open breaker without calling the service,
 *     server = requests the service actually received), the breaker state, and the failure rate
 *     over the breaker's rolling window (rate/calls in it). The bar shows the same mix.
 *   - Each state change gets its own `>>` line when it happens, with the time since start.
 *   - Expect: CLOSED while healthy; OPEN once failures pile up (degrading/outage), where `fast`
 *     grows and `server` drops to (almost) nothing; every 2 s a HALF_OPEN trial call; back to
 *     CLOSED in the recovering phase. The summary counts the load the breaker kept off the service.
 *   Colours and a live status line only on a terminal; set NO_COLOR=1 or pipe the output for plain text.
 */
const { createCircuitBreaker } = require('..');
const { PHASES, TOTAL_MS, phaseAt, startFlakyServer } = require('./demo/flaky-server');
const view = require('./demo/view');

const CALLERS = 5;
const PERIOD_MS = 50; // each caller: one request every 50 ms (~20 req/s) when calls are quick
const OPTIONS = {
  failureThreshold: 5, // open after 5 consecutive failures...
  failureRateThreshold: 0.5, // ...or when half the calls in the window failed
  volumeThreshold: 10, // (judge the rate only once the window holds 10 calls)
  window: { kind: 'count', size: 20 },
  resetTimeout: 2000, // stay open 2 s, then let trial calls through (HALF_OPEN)
  successThreshold: 2, // 2 successful trial calls close it again
  timeout: 300, // per-call limit; the fn gets an AbortSignal that fires at the limit
};

const t0 = performance.now();
const elapsed = () => performance.now() - t0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One GET; non-2xx answers are failures. `signal` comes from the breaker (its timeout). */
async function get(url, signal) {
  const res = await fetch(url, { signal });
  await res.arrayBuffer(); // read the body so the connection can be reused
  if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
  return res.status;
}

async function main() {
  const server = await startFlakyServer(elapsed);
  const breaker = createCircuitBreaker('flaky-service', OPTIONS);

  // Client-side tallies per phase (the phase in force when the request started).
  const perPhase = PHASES.map((p) => ({ phase: p, name: p.name, attempted: 0, ok: 0, failed: 0, timedOut: 0, fastFailed: 0, received: 0 }));
  const tally = (phase) => perPhase[PHASES.indexOf(phase)];

  const transitions = [];
  breaker.on('stateChange', ({ previousState, currentState }) => {
    const tr = { t: elapsed(), from: previousState, to: currentState, phase: phaseAt(elapsed()).name };
    transitions.push(tr);
    view.stateChangeLine(tr, OPTIONS);
  });

  async function callOnce() {
    const s = tally(phaseAt(elapsed()));
    s.attempted++;
    try {
      await breaker.execute((signal) => get(server.url, signal));
      s.ok++;
    } catch (error) {
      if (error.code === 'CIRCUIT_OPEN') s.fastFailed++;
      else if (error.code === 'TIMEOUT') s.timedOut++;
      else s.failed++;
    }
  }

  async function caller(id) {
    await sleep((id * PERIOD_MS) / CALLERS); // spread the callers over the period
    let next = elapsed();
    while (elapsed() < TOTAL_MS) {
      await callOnce();
      next += PERIOD_MS;
      const wait = next - elapsed();
      if (wait > 0) await sleep(wait);
      else next = elapsed(); // a slow call made us late: carry on, no burst to catch up
    }
  }

  view.log(view.c.bold(`bulwark demo: ${CALLERS} clients x ~${1000 / PERIOD_MS} req/s -> ${server.url} through one circuit breaker`));
  view.log(view.c.dim(`breaker options: ${JSON.stringify(OPTIONS)}`));
  view.log(view.c.dim(`phases: ${PHASES.map((p) => `${p.name} ${p.seconds}s`).join(' -> ')}  (total ${TOTAL_MS / 1000}s)`));
  view.log();
  view.tableHeader();

  // Once a second: a table row with the deltas since the last one.
  let last = breaker.getMetrics();
  let lastReceived = 0;
  let lastTick = 0;
  function tick() {
    const now = elapsed();
    const m = breaker.getMetrics(); // (reading the state also moves a due OPEN breaker to HALF_OPEN)
    const d = {};
    for (const k of ['successes', 'failures', 'timeouts', 'rejections']) d[k] = m[k] - last[k];
    const served = server.received() - lastReceived;
    if (d.successes + d.failures + d.rejections + served > 0) {
      view.tableRow(now, phaseAt((now + lastTick) / 2).name, m, d, served);
    }
    last = m;
    lastReceived = server.received();
    lastTick = now;
  }
  const ticker = setInterval(tick, 1000);
  // On a terminal: a status line redrawn 10x a second with the running totals.
  const live = view.fancy
    ? setInterval(() => {
        const m = breaker.getMetrics();
        view.status(
          view.c.inverse(` ${view.secs(elapsed())} `) +
            ` ${phaseAt(elapsed()).name} ${view.state(m.state)} ok ${m.successes} fail ${m.failures - m.timeouts}` +
            ` t/o ${m.timeouts} fast ${m.rejections} server ${server.received()}`,
        );
      }, 100)
    : null;

  await Promise.all(Array.from({ length: CALLERS }, (_, id) => caller(id)));
  clearInterval(ticker);
  if (live !== null) clearInterval(live);
  if (elapsed() - lastTick > 300) tick(); // the last, partial second (if it is worth a row)
  view.clearStatus();
  const end = elapsed();
  await server.close();

  // Time in each state, from the transitions seen (the breaker starts CLOSED).
  const timeIn = { CLOSED: 0, OPEN: 0, HALF_OPEN: 0 };
  let since = 0;
  let current = 'CLOSED';
  for (const tr of transitions) {
    timeIn[current] += tr.t - since;
    since = tr.t;
    current = tr.to;
  }
  timeIn[current] += end - since;

  for (const p of perPhase) p.received = server.receivedIn.get(p.phase) ?? 0;
  const metrics = breaker.getMetrics();
  const outage = perPhase.find((p) => p.name === 'outage');
  const inPhase = (name, from, to) => transitions.some((tr) => tr.phase === name && tr.from === from && tr.to === to);
  const outageStart = PHASES.slice(0, PHASES.indexOf(outage.phase)).reduce((ms, p) => ms + p.seconds * 1000, 0);
  const stateAt = (ms) => transitions.filter((tr) => tr.t <= ms).pop()?.to ?? 'CLOSED';
  const attempted = perPhase.reduce((n, p) => n + p.attempted, 0);
  view.summary({
    elapsed: end,
    perPhase,
    received: server.received(),
    metrics,
    transitions,
    timeIn,
    checks: [
      ['the breaker was open when the outage began, or opened during it', stateAt(outageStart) !== 'CLOSED' || inPhase('outage', 'CLOSED', 'OPEN')],
      ['most outage requests were fast-failed, not sent', outage.fastFailed > outage.attempted / 2],
      ['half-open trial calls were made', transitions.some((tr) => tr.to === 'HALF_OPEN')],
      ['it closed again once the service recovered', inPhase('recovering', 'HALF_OPEN', 'CLOSED') || inPhase('healthy', 'HALF_OPEN', 'CLOSED')],
      ['it ended CLOSED', metrics.state === 'CLOSED'],
      [
        `breaker counts match the clients' (${attempted} attempted = ${metrics.successes} + ${metrics.failures} + ${metrics.rejections})`,
        attempted === metrics.successes + metrics.failures + metrics.rejections,
      ],
    ],
  });
  // Nothing is left open (server closed, timers cleared): the process exits by itself.
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
