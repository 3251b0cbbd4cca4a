//! One place where engine errors become JS errors.

use crate::engine::EngineError;
use napi::{Env, Error, Status};

/// The `code` of every error the binding raises for a bad option.
pub const INVALID_OPTION: &str = "ERR_BULWARK_INVALID_OPTION";

/// Throws the JS error that fits `error` (a `RangeError` for a broken rule) and returns the
/// napi error that tells napi-rs an exception is already pending.
pub fn map_error(env: &Env, context: &str, error: EngineError) -> Error {
    let message = format!("{context}: {error}");
    let thrown = match &error {
        EngineError::InvalidOption { .. } | EngineError::SharedConflict { .. } => {
            env.throw_range_error(&message, Some(INVALID_OPTION))
        }
    };
    match thrown {
        Ok(()) => Error::new(Status::PendingException, message),
        Err(e) => e,
    }
}

/// A `TypeError` for an argument of the wrong type (thrown now, returned as pending).
pub fn type_error(env: &Env, message: String) -> Error {
    match env.throw_type_error(&message, Some(INVALID_OPTION)) {
        Ok(()) => Error::new(Status::PendingException, message),
        Err(e) => e,
    }
}
