//! bulwark: resilience policies for Node.js with their state in Rust.
//!
//! - [`engine`]: pure state machines (atomics, `now` passed in through [`engine::Clock`]); no napi.
//! - `binding`: the napi-rs classes and the raw per-call functions the JS shim calls.
#![deny(clippy::all)]

pub mod engine;

mod binding;
