//! GCRA cells per key, sharded, with a bound on the number of keys.
