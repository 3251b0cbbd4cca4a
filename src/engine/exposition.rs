//! Prometheus text exposition (format 0.0.4) of the metrics registry's readings.
//!
//! [`families`] turns a [`Gathered`] reading into metric families (also handed to JS as data for
//! `prom-client`); [`render`] writes them as text: per family one `# HELP` and one `# TYPE` line,
//! then its samples sorted by name. Every family is written, even with no samples, so the set of
//! families never depends on what was built. Label values are escaped (`\\`, `\"`, `\n`), help
//! text too (`\\`, `\n`).

use super::cache::cells::EVICTION_REASONS;
use super::histogram::BOUND_LABELS;
use super::metric_totals::STATE_LABELS;
use super::metrics::Gathered;
use std::borrow::Cow;
use std::fmt::Write;

/// A metric family's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// Cumulative buckets, a sum and a count.
    Histogram,
}

impl MetricType {
    /// The word in a `# TYPE` line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
        }
    }
}

/// A sample's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A count or gauge.
    Int(u64),
    /// A sum of seconds.
    Float(f64),
}

impl Value {
    /// As a JS number.
    pub fn as_f64(self) -> f64 {
        match self {
            Self::Int(n) => n as f64,
            Self::Float(x) => x,
        }
    }
}

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Appended to the family name: `""`, `"_bucket"`, `"_sum"` or `"_count"`.
    pub suffix: &'static str,
    /// Label names and (unescaped) values, in output order.
    pub labels: Vec<(&'static str, String)>,
    /// The value.
    pub value: Value,
}

/// A metric family: name, help, type and samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The metric name.
    pub name: &'static str,
    /// The help text (unescaped).
    pub help: &'static str,
    /// Its type.
    pub kind: MetricType,
    /// Its samples.
    pub samples: Vec<Sample>,
}

impl Family {
    fn new(name: &'static str, kind: MetricType, help: &'static str) -> Self {
        Self {
            name,
            help,
            kind,
            samples: Vec::new(),
        }
    }

    fn push(&mut self, name: &str, extra: &[(&'static str, &str)], value: Value) {
        self.push_part("", name, extra, value);
    }

    fn push_part(
        &mut self,
        suffix: &'static str,
        name: &str,
        extra: &[(&'static str, &str)],
        value: Value,
    ) {
        let mut labels = vec![("name", name.to_owned())];
        labels.extend(extra.iter().map(|&(k, v)| (k, v.to_owned())));
        self.samples.push(Sample {
            suffix,
            labels,
            value,
        });
    }
}

fn breaker_families(g: &Gathered) -> [Family; 4] {
    use MetricType::*;
    let mut state = Family::new(
        "circuit_breaker_state",
        Gauge,
        "Circuit breaker state: 0 closed, 1 open (forced open included), 2 half-open.",
    );
    let mut calls = Family::new(
        "circuit_breaker_calls_total",
        Counter,
        "Calls through the circuit breaker by result; failure excludes timeouts, so the results partition the calls.",
    );
    let mut changes = Family::new(
        "circuit_breaker_state_changes_total",
        Counter,
        "Circuit breaker state changes by from and to state.",
    );
    let mut durations = Family::new(
        "circuit_breaker_call_duration_seconds",
        Histogram,
        "Duration of calls through the circuit breaker, observed while metrics are enabled.",
    );
    for r in &g.breakers {
        let (n, t) = (r.name.as_str(), &r.totals);
        if r.live {
            state.push(n, &[], Value::Int(u64::from(t.state)));
        }
        for (result, count) in [
            ("success", t.successes),
            ("failure", t.failures),
            ("rejected", t.rejections),
            ("timeout", t.timeouts),
        ] {
            calls.push(n, &[("result", result)], Value::Int(count));
        }
        for (from, from_label) in STATE_LABELS.iter().enumerate() {
            for (to, to_label) in STATE_LABELS
                .iter()
                .enumerate()
                .filter(|&(to, _)| to != from)
            {
                let labels = [("from", *from_label), ("to", *to_label)];
                changes.push(n, &labels, Value::Int(t.changes[from * 3 + to]));
            }
        }
        let h = &t.durations;
        for (le, count) in BOUND_LABELS.iter().zip(h.cumulative()) {
            durations.push_part("_bucket", n, &[("le", le)], Value::Int(count));
        }
        durations.push_part("_sum", n, &[], Value::Float(h.sum_seconds()));
        durations.push_part("_count", n, &[], Value::Int(h.count()));
    }
    [state, calls, changes, durations]
}

fn policy_families(g: &Gathered) -> [Family; 2] {
    let mut retries = Family::new(
        "retry_attempts_total",
        MetricType::Counter,
        "Retry attempts made after the first attempt of each call (retries only).",
    );
    for r in &g.retries {
        retries.push(&r.name, &[], Value::Int(r.totals.counts[0]));
    }
    let mut timeouts = Family::new(
        "timeout_operations_total",
        MetricType::Counter,
        "Operations run under a timeout policy by result.",
    );
    for r in &g.timeouts {
        for (result, count) in ["success", "timeout", "failure"]
            .iter()
            .zip(r.totals.counts)
        {
            timeouts.push(&r.name, &[("result", result)], Value::Int(count));
        }
    }
    [retries, timeouts]
}

fn bulkhead_families(g: &Gathered) -> [Family; 3] {
    use MetricType::*;
    let mut active = Family::new(
        "bulkhead_active_requests",
        Gauge,
        "Executions running in the bulkhead.",
    );
    let mut queued = Family::new(
        "bulkhead_queued_requests",
        Gauge,
        "Calls waiting in the bulkhead's queue.",
    );
    let mut executions = Family::new(
        "bulkhead_executions_total",
        Counter,
        "Bulkhead calls by outcome: completed, rejected (queue full), timeout (waited past the queue timeout).",
    );
    for r in &g.bulkheads {
        let (n, t) = (r.name.as_str(), &r.totals);
        if r.live {
            active.push(n, &[], Value::Int(t.active));
            queued.push(n, &[], Value::Int(t.queued));
        }
        for (state, count) in [
            ("completed", t.completed),
            ("rejected", t.rejected),
            ("timeout", t.timed_out),
        ] {
            executions.push(n, &[("state", state)], Value::Int(count));
        }
    }
    [active, queued, executions]
}

fn cache_families(g: &Gathered) -> [Family; 4] {
    use MetricType::*;
    let mut hits = Family::new(
        "cache_hits_total",
        Counter,
        "Cache lookups served from the cache (stale values included).",
    );
    let mut misses = Family::new(
        "cache_misses_total",
        Counter,
        "Cache lookups that found no usable value.",
    );
    let mut evictions = Family::new(
        "cache_evictions_total",
        Counter,
        "Entries removed from the cache by reason: size (over maxEntries), expired, explicit (delete or clear), replaced (set of an existing key).",
    );
    let mut entries = Family::new("cache_entries", Gauge, "Entries held by the cache.");
    for r in &g.caches {
        let (n, t) = (r.name.as_str(), &r.totals);
        hits.push(n, &[], Value::Int(t.hits));
        misses.push(n, &[], Value::Int(t.misses));
        for (reason, count) in EVICTION_REASONS.iter().zip(t.evictions) {
            evictions.push(n, &[("reason", reason)], Value::Int(count));
        }
        if r.live {
            entries.push(n, &[], Value::Int(t.entries));
        }
    }
    [hits, misses, evictions, entries]
}

/// The metric families of a reading, in a fixed order.
pub fn families(g: &Gathered) -> Vec<Family> {
    let mut out = Vec::with_capacity(13);
    out.extend(breaker_families(g));
    out.extend(policy_families(g));
    out.extend(bulkhead_families(g));
    out.extend(cache_families(g));
    out
}

/// Escapes a label value: backslash, double quote and newline.
pub fn escape_label_value(value: &str) -> Cow<'_, str> {
    escape(value, true)
}

/// Escapes help text: backslash and newline.
pub fn escape_help(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

fn escape(s: &str, quotes: bool) -> Cow<'_, str> {
    if !(s.contains(['\\', '\n']) || quotes && s.contains('"')) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quotes => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Writes `families` as Prometheus text format 0.0.4.
pub fn render(families: &[Family]) -> String {
    let mut out =
        String::with_capacity(256 + families.iter().map(|f| f.samples.len() * 64).sum::<usize>());
    for f in families {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "# HELP {} {}", f.name, escape_help(f.help));
        let _ = writeln!(out, "# TYPE {} {}", f.name, f.kind.as_str());
        for s in &f.samples {
            out.push_str(f.name);
            out.push_str(s.suffix);
            if !s.labels.is_empty() {
                out.push('{');
                for (i, (k, v)) in s.labels.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{k}=\"{}\"", escape_label_value(v));
                }
                out.push('}');
            }
            let _ = match s.value {
                Value::Int(n) => writeln!(out, " {n}"),
                Value::Float(x) => writeln!(out, " {x}"),
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::cache::CacheTotals;
    use crate::engine::metric_totals::{BreakerTotals, BulkheadTotals, PolicyTotals};
    use crate::engine::metrics::Reading;

    fn reading<T>(name: &str, totals: T, live: bool) -> Reading<T> {
        Reading {
            name: name.to_owned(),
            totals,
            live,
        }
    }

    #[test]
    fn escapes_label_values_and_help() {
        assert_eq!(escape_label_value("plain"), "plain");
        assert_eq!(
            escape_label_value("we\"ird\\name\nx"),
            "we\\\"ird\\\\name\\nx"
        );
        assert_eq!(escape_help("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
    }

    #[test]
    fn renders_every_family_once_with_its_samples() {
        let mut durations = crate::engine::histogram::HistogramSnapshot::default();
        durations.counts[0] = 2; // two calls <= 5 ms
        durations.counts[3] = 1; // one call in (25, 50] ms
        durations.sum_nanos = 38_000_000;
        let mut changes = [0; 9];
        changes[1] = 2; // closed -> open
        let g = Gathered {
            breakers: vec![reading(
                "we\"ird\\name\nx",
                BreakerTotals {
                    successes: 2,
                    failures: 1,
                    timeouts: 0,
                    rejections: 4,
                    changes,
                    durations,
                    state: 1,
                },
                true,
            )],
            bulkheads: vec![
                reading(
                    "db",
                    BulkheadTotals {
                        active: 3,
                        queued: 1,
                        completed: 9,
                        rejected: 2,
                        timed_out: 1,
                    },
                    true,
                ),
                reading("gone", BulkheadTotals::default(), false),
            ],
            retries: vec![reading("retry", PolicyTotals { counts: [5, 0, 0] }, true)],
            timeouts: vec![reading(
                "withTimeout",
                PolicyTotals { counts: [7, 1, 2] },
                true,
            )],
            caches: vec![reading(
                "users",
                CacheTotals {
                    hits: 8,
                    misses: 3,
                    evictions: [4, 2, 1, 5],
                    entries: 6,
                },
                true,
            )],
        };
        let text = render(&families(&g));
        let n = r#"name="we\"ird\\name\nx""#;
        for line in [
            "# HELP circuit_breaker_state Circuit breaker state: 0 closed, 1 open (forced open included), 2 half-open.".to_owned(),
            "# TYPE circuit_breaker_state gauge".to_owned(),
            format!("circuit_breaker_state{{{n}}} 1"),
            format!("circuit_breaker_calls_total{{{n},result=\"success\"}} 2"),
            format!("circuit_breaker_calls_total{{{n},result=\"rejected\"}} 4"),
            format!("circuit_breaker_state_changes_total{{{n},from=\"closed\",to=\"open\"}} 2"),
            format!("circuit_breaker_state_changes_total{{{n},from=\"half_open\",to=\"closed\"}} 0"),
            "# TYPE circuit_breaker_call_duration_seconds histogram".to_owned(),
            format!("circuit_breaker_call_duration_seconds_bucket{{{n},le=\"0.005\"}} 2"),
            format!("circuit_breaker_call_duration_seconds_bucket{{{n},le=\"0.025\"}} 2"),
            format!("circuit_breaker_call_duration_seconds_bucket{{{n},le=\"0.05\"}} 3"),
            format!("circuit_breaker_call_duration_seconds_bucket{{{n},le=\"+Inf\"}} 3"),
            format!("circuit_breaker_call_duration_seconds_sum{{{n}}} 0.038"),
            format!("circuit_breaker_call_duration_seconds_count{{{n}}} 3"),
            "retry_attempts_total{name=\"retry\"} 5".to_owned(),
            "timeout_operations_total{name=\"withTimeout\",result=\"failure\"} 2".to_owned(),
            "bulkhead_active_requests{name=\"db\"} 3".to_owned(),
            "bulkhead_queued_requests{name=\"db\"} 1".to_owned(),
            "bulkhead_executions_total{name=\"db\",state=\"timeout\"} 1".to_owned(),
            "bulkhead_executions_total{name=\"gone\",state=\"completed\"} 0".to_owned(),
            "cache_hits_total{name=\"users\"} 8".to_owned(),
            "cache_misses_total{name=\"users\"} 3".to_owned(),
            "cache_evictions_total{name=\"users\",reason=\"size\"} 4".to_owned(),
            "cache_evictions_total{name=\"users\",reason=\"replaced\"} 5".to_owned(),
            "cache_entries{name=\"users\"} 6".to_owned(),
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        assert!(
            !text.contains("bulkhead_active_requests{name=\"gone\"}"),
            "no gauge without a live object"
        );
        for family in families(&g) {
            let help = format!("# HELP {} ", family.name);
            let kind = format!("# TYPE {} ", family.name);
            assert_eq!(text.lines().filter(|l| l.starts_with(&help)).count(), 1);
            assert_eq!(text.lines().filter(|l| l.starts_with(&kind)).count(), 1);
        }
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("circuit_breaker_state_changes_total"))
                .count(),
            6
        );
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn an_empty_registry_still_declares_every_family() {
        let text = render(&families(&Gathered::default()));
        assert_eq!(text.lines().count(), 26);
        assert!(text.lines().all(|l| l.starts_with("# ")));
    }
}
