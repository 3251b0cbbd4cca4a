//! The metrics registry and renderer end to end, through the process-global registry: real
//! breakers, bulkheads and policy counters register, calls are recorded with a [`ManualClock`],
//! and the rendered text carries exactly those counts; dropped objects keep their counters and
//! lose their gauges; histograms fill only once metrics are enabled.
//!
//! Everything runs in one test because the registry and the enable flag are process-wide.

use bulwark::engine::bulkhead::COMPLETED;
use bulwark::engine::exposition::{families, render};
use bulwark::engine::metric_totals::{BreakerTotals, BulkheadTotals, PolicyTotals};
use bulwark::engine::metrics::{self, Source};
use bulwark::engine::policy_counters::{FIRST, SECOND};
use bulwark::engine::{
    Admission, Breaker, BreakerConfig, BulkheadCells, ManualClock, Outcome, PolicyCounters,
    WindowKind,
};
use std::sync::Arc;

const MS: u64 = 1_000_000;

/// A breaker with its clock, as the binding shares them.
struct Shared {
    breaker: Breaker,
    clock: ManualClock,
}

impl Source<BreakerTotals> for Shared {
    fn read(&self) -> BreakerTotals {
        BreakerTotals::of(&self.breaker, &self.clock)
    }
}

fn render_now() -> String {
    render(&families(&metrics::gather()))
}

fn has(text: &str, line: &str) -> bool {
    text.lines().any(|l| l == line)
}

#[test]
fn registry_renders_what_the_objects_counted() {
    let clock = ManualClock::new(0);
    let shared = Arc::new(Shared {
        breaker: Breaker::new(BreakerConfig {
            failure_threshold: 2,
            volume_threshold: 0,
            window: WindowKind::Count { size: 10 },
            ..BreakerConfig::default()
        }),
        clock: clock.clone(),
    });
    let source: Arc<dyn Source<BreakerTotals>> = shared.clone();
    metrics::registry().write().breakers.register("api", source);
    let Admission::Admitted { ticket } = shared.breaker.admit(&clock) else {
        panic!("closed admits")
    };
    let record = |outcome, ms| {
        shared
            .breaker
            .record(ticket, outcome, Some(ms * MS), &clock)
    };
    record(Outcome::Success, 3); // before enable: counted, not observed
    metrics::enable();
    record(Outcome::Success, 30);
    record(Outcome::Timeout, 700);
    record(Outcome::Failure, 2); // second failure in a row: opens
    assert!(matches!(
        shared.breaker.admit(&clock),
        Admission::Rejected { .. }
    ));

    let bulkhead = Arc::new(BulkheadCells::new(4, 2));
    let source: Arc<dyn Source<BulkheadTotals>> = bulkhead.clone();
    metrics::registry().write().bulkheads.register("db", source);
    assert!(bulkhead.try_acquire());
    assert!(bulkhead.try_enqueue());

    let timeouts = Arc::new(PolicyCounters::new());
    let source: Arc<dyn Source<PolicyTotals>> = timeouts.clone();
    metrics::registry().write().timeouts.register("t", source);
    timeouts.bump(FIRST);
    timeouts.bump(SECOND);
    timeouts.bump(SECOND);

    let text = render_now();
    for line in [
        r#"circuit_breaker_state{name="api"} 1"#,
        r#"circuit_breaker_calls_total{name="api",result="success"} 2"#,
        r#"circuit_breaker_calls_total{name="api",result="failure"} 1"#,
        r#"circuit_breaker_calls_total{name="api",result="rejected"} 1"#,
        r#"circuit_breaker_calls_total{name="api",result="timeout"} 1"#,
        r#"circuit_breaker_state_changes_total{name="api",from="closed",to="open"} 1"#,
        r#"circuit_breaker_call_duration_seconds_bucket{name="api",le="0.005"} 1"#,
        r#"circuit_breaker_call_duration_seconds_bucket{name="api",le="0.05"} 2"#,
        r#"circuit_breaker_call_duration_seconds_bucket{name="api",le="0.5"} 2"#,
        r#"circuit_breaker_call_duration_seconds_bucket{name="api",le="1"} 3"#,
        r#"circuit_breaker_call_duration_seconds_bucket{name="api",le="+Inf"} 3"#,
        r#"circuit_breaker_call_duration_seconds_sum{name="api"} 0.732"#,
        r#"circuit_breaker_call_duration_seconds_count{name="api"} 3"#,
        r#"bulkhead_active_requests{name="db"} 1"#,
        r#"bulkhead_queued_requests{name="db"} 1"#,
        r#"timeout_operations_total{name="t",result="success"} 1"#,
        r#"timeout_operations_total{name="t",result="timeout"} 2"#,
        r#"timeout_operations_total{name="t",result="failure"} 0"#,
    ] {
        assert!(has(&text, line), "missing {line:?} in\n{text}");
    }

    bulkhead.count(COMPLETED);
    drop(bulkhead);
    drop(shared);
    let text = render_now();
    assert!(
        !text.contains(r#"circuit_breaker_state{name="api"}"#),
        "gauge goes"
    );
    assert!(
        !text.contains(r#"bulkhead_active_requests{name="db"}"#),
        "gauge goes"
    );
    assert!(has(
        &text,
        r#"circuit_breaker_calls_total{name="api",result="success"} 2"#
    ));
    assert!(has(
        &text,
        r#"circuit_breaker_call_duration_seconds_count{name="api"} 3"#
    ));
    assert!(has(
        &text,
        r#"bulkhead_executions_total{name="db",state="completed"} 1"#
    ));
    assert_eq!(metrics::registry().read().breakers.sources(), 0, "swept");
}
