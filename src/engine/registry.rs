//! Process-wide named state: every thread (worker) that asks for the same kind and name gets the
//! same `Arc`, so one breaker or one rate limit is enforced for the whole process.
//!
//! State lives as long as the process: a limit that no thread holds at the moment (a worker's
//! limiter collected after its task) must not start over, or the process would be admitted more
//! than its limit. Memory is bounded by the number of distinct names. Each entry remembers the
//! settings it was built with; asking with other settings is refused (a clear error, never silent
//! sharing of the wrong configuration). Cold path only: one lock, taken when an object is created.

use parking_lot::Mutex;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

type Shared = Arc<dyn Any + Send + Sync>;

/// (kind, name) → (settings, state).
type Entries = HashMap<(&'static str, String), (String, Shared)>;

fn entries() -> &'static Mutex<Entries> {
    static ENTRIES: OnceLock<Mutex<Entries>> = OnceLock::new();
    ENTRIES.get_or_init(Default::default)
}

/// What [`attach`] found.
pub enum Attached<T> {
    /// The state, and whether this call built it.
    Ready(Arc<T>, bool),
    /// State of that kind and name exists with other settings: these.
    Conflict(String),
}

/// The process-wide `kind`/`name` state: the existing one if its `settings` are the same, else
/// [`Attached::Conflict`]; when none is alive, the one `build` makes.
pub fn attach<T: Any + Send + Sync, E>(
    kind: &'static str,
    name: &str,
    settings: &str,
    build: impl FnOnce() -> Result<T, E>,
) -> Result<Attached<T>, E> {
    let mut map = entries().lock();
    let key = (kind, name.to_string());
    if let Some((existing_settings, existing)) = map.get(&key) {
        if existing_settings != settings {
            return Ok(Attached::Conflict(existing_settings.clone()));
        }
        if let Ok(state) = Arc::clone(existing).downcast::<T>() {
            return Ok(Attached::Ready(state, false));
        }
    }
    let state = Arc::new(build()?);
    let erased: Shared = state.clone();
    map.insert(key, (settings.to_string(), erased));
    Ok(Attached::Ready(state, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn same_name_same_settings_share_one_state_for_the_process() {
        let build = || Ok::<_, ()>(AtomicU32::new(7));
        let Attached::Ready(a, created) = attach("t", "x", "s1", build).unwrap() else {
            panic!()
        };
        assert!(created);
        let Attached::Ready(b, created) = attach("t", "x", "s1", build).unwrap() else {
            panic!()
        };
        assert!(!created);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(
            matches!(attach("t", "x", "s2", build).unwrap(), Attached::Conflict(s) if s == "s1")
        );
        assert!(matches!(
            attach("other-kind", "x", "s2", build).unwrap(),
            Attached::Ready(_, true)
        ));
        drop((a, b));
        let Attached::Ready(c, created) = attach("t", "x", "s1", build).unwrap() else {
            panic!()
        };
        assert!(
            !created,
            "kept while no one holds it: a limit must not start over"
        );
        assert_eq!(c.load(std::sync::atomic::Ordering::Relaxed), 7);
    }
}
