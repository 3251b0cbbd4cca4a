//! A bounded cache's index: which entries stay (W-TinyLFU or LRU), decided natively, while the
//! values themselves stay in the JS shim's `Map`.
//!
//! - [`sketch`]: the count-min frequency sketch with aging.
//! - [`lists`]: slots and their window / probation / protected recency lists.
//! - [`policy`]: the admission and eviction decisions over those two.
//! - [`cells`]: the block shared with the shim (read ring, counters) and its metrics reading.
//! - [`index`]: the policy and the cells together, as the binding calls them.

pub mod cells;
pub mod index;
pub mod lists;
pub mod policy;
pub mod sketch;

pub use cells::{CacheCells, CacheTotals};
pub use index::{CacheIndex, RemoveReason};
pub use policy::{CachePolicy, Insertion, PolicyKind};
