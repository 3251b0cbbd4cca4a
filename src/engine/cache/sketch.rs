//! A count-min sketch of access frequencies with 4-bit counters and periodic aging (TinyLFU's
//! "popularity" estimate, after Caffeine's `FrequencySketch`).
//!
//! The table is `u64` words of sixteen 4-bit counters, grouped in blocks of 8 words (64 bytes,
//! one cache line). A key's four counters all sit in one block: the block comes from one hash of
//! the key, and each of the four counters from one byte of a second hash (which word pair, which
//! of its 16 nibbles). The estimate is the minimum of the four.
//!
//! Counters saturate at 15. Every `sample_size` (10 × the capacity the sketch was sized for)
//! successful increments, every counter is halved: old popularity fades, so a key that was hot
//! yesterday does not keep today's hot keys out forever.

/// Counters per word.
const NIBBLES: u32 = 16;
/// Words per block (one 64-byte cache line).
const BLOCK_WORDS: usize = 8;
/// The largest value of a counter.
pub const MAX_COUNT: u8 = 15;
/// Each nibble with its top bit cleared, after a shift right by one (halving every counter).
const RESET_MASK: u64 = 0x7777_7777_7777_7777;
/// The low bit of every nibble.
const ONE_MASK: u64 = 0x1111_1111_1111_1111;

/// Frequency estimates for 32-bit key hashes.
#[derive(Debug, Clone)]
pub struct FrequencySketch {
    table: Vec<u64>,
    block_mask: u32,
    additions: u32,
    sample_size: u32,
    designed_for: u32,
}

/// Two hashes from one 64-bit multiply (Fibonacci hashing): the high half picks the block, the
/// low half (mixed with the high) picks the four counters in it.
#[inline]
fn split_hash(hash: u32) -> (u32, u32) {
    let h = u64::from(hash).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let high = (h >> 32) as u32;
    (high, (h as u32) ^ (high >> 13))
}

impl FrequencySketch {
    /// A sketch sized for about `capacity` distinct hot keys (at least one block).
    pub fn new(capacity: u32) -> Self {
        let capacity = capacity.clamp(1, 1 << 30);
        let words = (capacity as usize).next_power_of_two().max(BLOCK_WORDS);
        Self {
            table: vec![0; words],
            block_mask: (words / BLOCK_WORDS - 1) as u32,
            additions: 0,
            sample_size: capacity.saturating_mul(10),
            designed_for: capacity,
        }
    }

    /// The capacity the sketch was sized for.
    pub fn designed_for(&self) -> u32 {
        self.designed_for
    }

    /// `hash`'s block and the second hash that picks its four counters in it.
    #[inline]
    fn locate(&self, hash: u32) -> (usize, u32) {
        let (block_hash, counter_hash) = split_hash(hash);
        let block = ((block_hash & self.block_mask) as usize) * BLOCK_WORDS;
        (block, counter_hash)
    }

    /// Counter `i` (0..4) of a key: (word in the block, bit shift in the word). Counter `i` lives
    /// in word pair `i`, so the four never share a word.
    #[inline(always)]
    fn counter(counter_hash: u32, i: usize) -> (usize, u32) {
        let h = counter_hash >> (i * 8);
        let word = (h & 1) as usize + (i << 1);
        let shift = ((h >> 1) & (NIBBLES - 1)) << 2;
        (word, shift)
    }

    /// The estimated number of recent occurrences of `hash`, 0..=15.
    pub fn frequency(&self, hash: u32) -> u8 {
        let (block, counter_hash) = self.locate(hash);
        let words: &[u64; BLOCK_WORDS] = self.table[block..block + BLOCK_WORDS]
            .try_into()
            .expect("a block is 8 words");
        (0..4)
            .map(|i| {
                let (word, shift) = Self::counter(counter_hash, i);
                ((words[word] >> shift) & 0xf) as u8
            })
            .min()
            .unwrap_or(0)
    }

    /// Counts one occurrence of `hash`; ages the whole sketch when the sample is full.
    pub fn increment(&mut self, hash: u32) {
        let (block, counter_hash) = self.locate(hash);
        let words: &mut [u64; BLOCK_WORDS] = (&mut self.table[block..block + BLOCK_WORDS])
            .try_into()
            .expect("a block is 8 words");
        let mut added = 0u32;
        for i in 0..4 {
            let (word, shift) = Self::counter(counter_hash, i);
            // Add one unless the counter is saturated (branch-free).
            let below_max = u64::from((words[word] >> shift) & 0xf != u64::from(MAX_COUNT));
            words[word] += below_max << shift;
            added |= below_max as u32;
        }
        self.additions += added;
        if self.additions >= self.sample_size {
            self.age();
        }
    }

    /// Halves every counter (and the count of additions, less what the halving dropped).
    pub fn age(&mut self) {
        let mut odd = 0u32;
        for word in &mut self.table {
            odd += (*word & ONE_MASK).count_ones();
            *word = (*word >> 1) & RESET_MASK;
        }
        self.additions = (self.additions - (odd >> 2).min(self.additions)) >> 1;
    }

    /// Increments counted since the last aging.
    pub fn additions(&self) -> u32 {
        self.additions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_saturate_at_fifteen_and_age_by_halving() {
        let mut s = FrequencySketch::new(1 << 12);
        for _ in 0..40 {
            s.increment(7);
        }
        assert_eq!(s.frequency(7), MAX_COUNT);
        assert_eq!(s.frequency(8), 0, "an unseen key of an almost empty sketch");
        s.age();
        assert_eq!(s.frequency(7), 7);
    }

    #[test]
    fn a_full_sample_ages_the_sketch() {
        let mut s = FrequencySketch::new(16); // sample of 160 additions
        for _ in 0..10 {
            s.increment(1);
        }
        for key in 100..250u32 {
            s.increment(key);
        }
        assert!(s.additions() < 160);
        assert!(
            s.frequency(1) <= 5,
            "10 halved, plus collisions: {}",
            s.frequency(1)
        );
    }

    #[test]
    fn frequent_keys_estimate_higher_than_rare_ones() {
        let mut s = FrequencySketch::new(1024);
        for round in 0..8 {
            for hot in 0..64u32 {
                s.increment(hot);
            }
            for cold in 0..64u32 {
                s.increment(10_000 + round * 64 + cold);
            }
        }
        let hot = (0..64u32).filter(|&k| s.frequency(k) >= 8).count();
        let cold = (0..512u32)
            .filter(|&k| s.frequency(10_000 + k) >= 8)
            .count();
        assert!(hot >= 60 && cold <= 4, "hot {hot}, cold {cold}");
    }
}
