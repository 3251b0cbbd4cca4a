//! `NativeRateLimiter`: one GCRA cell and its raw per-call functions.
