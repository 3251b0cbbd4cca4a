'use strict';
/**
 * Metrics: `metrics()` returns every policy's counters as Prometheus text exposition (format
 * 0.0.4), rendered natively from native counters; `registerPrometheusCollector(registry)` shows the
 * same metrics through a `prom-client` Registry.
 *
 * Counters always count. Duration histograms fill only while metrics are enabled: from the first
 * `enableMetrics()`, `metrics()` or `registerPrometheusCollector()` in any thread of the process,
 * on (there is no off). Before that, a breaker call costs no clock read.
 * @module metrics
 */
const native = require('./native');
const { METRICS_FLAG } = require('./metric-cells');
const { flushBreakers } = require('./breaker');

/** The `Content-Type` of what `metrics()` returns. */
const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** prom-client aggregators (for its cluster mode) by family; the rest are summed. */
const AGGREGATORS = Object.freeze({ circuit_breaker_state: 'max' });

/**
 * Turns on duration measurement for every breaker in the process (histograms start filling now).
 * Idempotent.
 */
function enableMetrics() {
  if (METRICS_FLAG[0] === 0) native.enableMetrics();
  flushBreakers();
}

/**
 * Every breaker, bulkhead, retry and timeout metric of the process (all threads), as Prometheus
 * text exposition format 0.0.4. Enables metrics on first use.
 * @returns {string}
 */
function metrics() {
  enableMetrics();
  return native.renderMetrics();
}

/** @type {Array<{ name: string, help: string, type: string, values: object[] }> | null} */
let snapshot = null;

/** The families now; one native read serves every `get()` of one scrape (same tick). */
function families() {
  if (snapshot === null) {
    flushBreakers();
    snapshot = JSON.parse(native.metricsFamiliesJson());
    for (const family of snapshot) for (const value of family.values) value.labels = Object.fromEntries(value.labels);
    queueMicrotask(() => {
      snapshot = null;
    });
  }
  return snapshot;
}

/**
 * Makes bulwark's metrics part of a `prom-client` Registry (e.g. `require('prom-client').register`),
 * so they appear in its `metrics()` and `getMetricsAsJSON()`: one metric object per family is
 * registered (`registerMetric`), reading the native counters at each scrape. Enables metrics.
 * @param {{ registerMetric(metric: object): void, removeSingleMetric(name: string): void, getSingleMetric(name: string): unknown }} registry
 * @returns {() => void} removes those metric objects from the registry again
 */
function registerPrometheusCollector(registry) {
  const where = 'registerPrometheusCollector()';
  if (registry === null || typeof registry !== 'object' || typeof registry.registerMetric !== 'function') {
    throw new TypeError(`${where}: registry must be a prom-client Registry (an object with registerMetric()), got ${registry === null ? 'null' : typeof registry}`);
  }
  enableMetrics();
  const added = [];
  const unregister = () => {
    for (const [key, metric] of added.splice(0)) {
      if (typeof registry.getSingleMetric !== 'function' || registry.getSingleMetric(key) === metric) registry.removeSingleMetric(key);
    }
  };
  try {
    for (const family of families()) {
      const key = family.name;
      const metric = {
        name: key,
        help: family.help,
        type: family.type,
        aggregator: AGGREGATORS[key] ?? 'sum',
        get() {
          const now = families().find((f) => f.name === key);
          // `name` as prom-client may have rewritten it (OpenMetrics strips `_total` from counters).
          return { name: metric.name, help: metric.help, type: metric.type, values: now.values, aggregator: metric.aggregator };
        },
        reset() {},
      };
      registry.registerMetric(metric);
      added.push([key, metric]);
    }
  } catch (error) {
    unregister();
    throw error;
  }
  return unregister;
}

module.exports = { metrics, enableMetrics, registerPrometheusCollector, METRICS_CONTENT_TYPE };
