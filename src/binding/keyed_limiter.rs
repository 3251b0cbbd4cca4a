//! `NativeKeyedLimiter`: GCRA cells per key.
