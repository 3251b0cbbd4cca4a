'use strict';
/**
 * A deliberately unreliable HTTP service for the demo. Its behaviour follows a script of phases
 * (see PHASES): error rate and latency change over time, from healthy to a full outage and back.
 * It counts every request it receives, so the demo can compare what the client attempted with
 * what actually reached the service.
 */
const http = require('node:http');

/**
 * The script. `errorRate` is the share of requests answered 500 (after the latency); in the
 * outage, `hangRate` of the requests get no answer at all (the client's timeout must end them)
 * and the rest an immediate 503.
 */
const PHASES = [
  { name: 'healthy', seconds: 5, errorRate: 0.02, latency: [10, 30] },
  { name: 'degrading', seconds: 5, errorRate: 0.4, latency: [100, 400] },
  { name: 'outage', seconds: 6, errorRate: 1, latency: [0, 0], hangRate: 0.5 },
  { name: 'recovering', seconds: 5, errorRate: 0.1, latency: [20, 60] },
  { name: 'healthy', seconds: 4, errorRate: 0.02, latency: [10, 30] },
];
const TOTAL_MS = PHASES.reduce((ms, p) => ms + p.seconds * 1000, 0);

/** The phase at `ms` since the start (the last one once the script has run out). */
function phaseAt(ms) {
  let end = 0;
  for (const phase of PHASES) {
    end += phase.seconds * 1000;
    if (ms < end) return phase;
  }
  return PHASES[PHASES.length - 1];
}

const between = ([lo, hi]) => lo + Math.random() * (hi - lo);

/**
 * Starts the service on 127.0.0.1 (any free port).
 * @param {() => number} elapsed ms since the demo started (drives the phases)
 * @returns {Promise<{ url: string, received: () => number, receivedIn: Map<object, number>, close: () => Promise<void> }>}
 */
async function startFlakyServer(elapsed) {
  let received = 0;
  const receivedIn = new Map(); // phase (an entry of PHASES) -> requests received
  const timers = new Set();

  const server = http.createServer((req, res) => {
    received++;
    const phase = phaseAt(elapsed());
    receivedIn.set(phase, (receivedIn.get(phase) ?? 0) + 1);
    if (phase.hangRate !== undefined && Math.random() < phase.hangRate) return; // never answer
    const fail = Math.random() < phase.errorRate;
    const status = fail ? (phase.name === 'outage' ? 503 : 500) : 200;
    const timer = setTimeout(() => {
      timers.delete(timer);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ phase: phase.name, ok: !fail }));
    }, between(phase.latency));
    timers.add(timer);
    // The client gave up (its timeout aborted the request): do not answer a closed socket.
    res.on('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}/`,
    received: () => received,
    receivedIn,
    /** Stops listening and drops every connection, hanging ones included. */
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

module.exports = { PHASES, TOTAL_MS, phaseAt, startFlakyServer };
