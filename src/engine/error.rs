//! The engine's one error type. The binding maps it to JS errors in one place (`map_error`).

/// Something the engine refused to do. Expected refusals of calls (an open circuit) are not
/// errors: they are data ([`crate::engine::Admission::Rejected`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A configuration value broke a rule. Nothing was built.
    #[error("{option} must be {rule}, got {value}")]
    InvalidOption {
        /// The option's public (JS) name.
        option: &'static str,
        /// The rule it broke, phrased to follow "must be".
        rule: &'static str,
        /// The value given, as text.
        value: String,
    },
    /// Process-wide state of this name exists with other settings (`scope: 'process'`).
    #[error("a {kind} named {name:?} already exists in this process with different settings ({differing})")]
    SharedConflict {
        /// What kind of state (`"circuit breaker"`, ...).
        kind: &'static str,
        /// Its name.
        name: String,
        /// The options whose values differ, comma-separated.
        differing: String,
    },
}

impl EngineError {
    /// Shorthand for [`EngineError::InvalidOption`].
    pub fn invalid(option: &'static str, rule: &'static str, value: impl ToString) -> Self {
        Self::InvalidOption {
            option,
            rule,
            value: value.to_string(),
        }
    }
}
