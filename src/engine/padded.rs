//! A value alone on its pair of cache lines.

/// Keeps a value on its own pair of 64-byte cache lines (the adjacent-line prefetcher moves lines
/// in pairs), so threads writing it do not slow readers of its neighbours, and the reverse.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct CachePadded<T>(pub T);

impl<T> std::ops::Deref for CachePadded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
