//! `scope: 'process'`: attach to (or build) the process-wide state of a name, through
//! `engine::registry`. A conflict becomes a `RangeError` naming the settings that differ.

use super::error::map_error;
use crate::engine::registry::{self, Attached};
use crate::engine::EngineError;
use napi::{Env, Result};
use std::sync::Arc;

/// The settings names whose values differ between two JSON objects.
fn differing(existing: &str, wanted: &serde_json::Value) -> String {
    let existing: serde_json::Value = serde_json::from_str(existing).unwrap_or_default();
    let (Some(a), Some(b)) = (existing.as_object(), wanted.as_object()) else {
        return "settings".to_string();
    };
    let mut names: Vec<&str> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(", ")
}

/// The process-wide `kind`/`name` state built from `settings`: `(state, built_by_this_call)`.
pub fn process_wide<T: Send + Sync + 'static>(
    env: &Env,
    context: &str,
    kind: &'static str,
    name: &str,
    settings: serde_json::Value,
    build: impl FnOnce() -> std::result::Result<T, EngineError>,
) -> Result<(Arc<T>, bool)> {
    match registry::attach(kind, name, &settings.to_string(), build) {
        Ok(Attached::Ready(state, built)) => Ok((state, built)),
        Ok(Attached::Conflict(existing)) => Err(map_error(
            env,
            context,
            EngineError::SharedConflict {
                kind,
                name: name.to_string(),
                differing: differing(&existing, &settings),
            },
        )),
        Err(e) => Err(map_error(env, context, e)),
    }
}

/// Whether a `scope` argument asks for process-wide state (`"thread"` or absent: no).
pub fn is_process(env: &Env, context: &str, scope: Option<&str>) -> Result<bool> {
    match scope {
        None | Some("thread") => Ok(false),
        Some("process") => Ok(true),
        Some(other) => Err(map_error(
            env,
            context,
            EngineError::invalid("scope", "'thread' or 'process'", other),
        )),
    }
}

/// The state for `scope`: this object's own, or (`"process"`) the process-wide one of `name` with
/// these `settings`. Returns `(state, built_by_this_call)`.
pub fn scoped<T: Send + Sync + 'static>(
    env: &Env,
    context: &str,
    kind: &'static str,
    scope: Option<&str>,
    name: &str,
    settings: impl FnOnce() -> serde_json::Value,
    build: impl FnOnce() -> std::result::Result<T, EngineError>,
) -> Result<(Arc<T>, bool)> {
    if is_process(env, context, scope)? {
        process_wide(env, context, kind, name, settings(), build)
    } else {
        Ok((
            Arc::new(build().map_err(|e| map_error(env, context, e))?),
            true,
        ))
    }
}
