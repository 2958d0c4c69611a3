//! Small building blocks of the columnar store: interned ids, ragged per-row lists, a fast hasher
//! for integer keys, and the sentinels the columns use for "absent".

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// An absent interned id (no team, no agent …).
pub(crate) const NONE: u32 = u32::MAX;
/// An absent instant (epoch ms).
pub(crate) const NO_TIME: i64 = i64::MIN;
/// "Never" as an instant: later than any real one.
pub(crate) const NEVER: i64 = i64::MAX;
/// An absent small enum value (priority, type …).
pub(crate) const NO_U8: u8 = u8::MAX;

/// FxHash (rustc's hasher) with an avalanche at the end: fast for the integer and short-string
/// keys the engine uses. Not resistant to adversarial keys, which is fine for ids the account
/// itself sends.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    /// The multiply only carries low bits upwards; hashbrown picks buckets from the low bits
    /// and tags from the high ones, so the state is finished with murmur3's avalanche.
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
pub(crate) type FxMap<K, V> = HashMap<K, V, FxBuild>;

/// Strings ↔ dense u32 ids, in first-seen order. Compact: the ids are kept once, end to end in
/// one byte vector, and found through an open-addressing table of u32 slots (about 25 bytes per
/// id of 10 characters, against about 90 for a `HashMap<Box<str>, u32>` plus a `Vec<Box<str>>`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Interner {
    bytes: Vec<u8>,
    /// `ends[k]` = end of id k in `bytes` (it starts at `ends[k - 1]`, or 0).
    ends: Vec<u32>,
    /// id + 1, or 0 for an empty slot; the length is a power of two, at most half full.
    slots: Vec<u32>,
}

#[inline]
fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if self.slots.is_empty() {
            self.slots = vec![0; 16];
        }
        let (slot, found) = self.find(s);
        if let Some(id) = found {
            return id;
        }
        let id = u32::try_from(self.ends.len()).expect("fewer than 4 billion ids");
        self.bytes.extend_from_slice(s.as_bytes());
        self.ends
            .push(u32::try_from(self.bytes.len()).expect("ids shorter than 4 GiB in all"));
        self.slots[slot] = id + 1;
        if self.ends.len() * 2 > self.slots.len() {
            self.rehash();
        }
        id
    }

    /// The slot where `s` is or would go, and its id if it is there.
    #[inline]
    fn find(&self, s: &str) -> (usize, Option<u32>) {
        let mask = self.slots.len() - 1;
        let mut i = hash_str(s) as usize & mask;
        loop {
            match self.slots[i] {
                0 => return (i, None),
                k if self.name(k - 1) == s => return (i, Some(k - 1)),
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn rehash(&mut self) {
        let size = self.slots.len() * 2;
        let mut slots = vec![0u32; size];
        for id in 0..self.ends.len() as u32 {
            let mut i = hash_str(self.name(id)) as usize & (size - 1);
            while slots[i] != 0 {
                i = (i + 1) & (size - 1);
            }
            slots[i] = id + 1;
        }
        self.slots = slots;
    }

    pub fn intern_opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NONE, |s| self.intern(s))
    }

    pub fn get(&self, s: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        self.find(s).1
    }

    pub fn name(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        std::str::from_utf8(&self.bytes[start..self.ends[i] as usize]).expect("ids are UTF-8")
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }
}

/// Items per block of a [`Ragged`].
const BLOCK_BITS: u32 = 16;
const BLOCK: usize = 1 << BLOCK_BITS;

/// A list per row, stored in fixed-size blocks of values with a `(start, len)` span per row
/// (`start` = block × 2¹⁶ + offset; a list never crosses a block; a list longer than a block gets
/// its own allocation, `start` indexing `big`). Blocks instead of one growing vector: growth never
/// copies the values nor doubles their allocation, so a million cases' events cost their size,
/// not up to three times it while a vector reallocates.
///
/// Replacing a row's list overwrites it in place when the new one is not longer, else appends it
/// and leaves the old values as garbage, which is compacted away once it outweighs the live values.
#[derive(Clone, Debug)]
pub(crate) struct Ragged<T> {
    blocks: Vec<Vec<T>>,
    big: Vec<Box<[T]>>,
    spans: Vec<(u32, u32)>,
    live: usize,
    garbage: usize,
}

impl<T> Default for Ragged<T> {
    fn default() -> Self {
        Self {
            blocks: Vec::new(),
            big: Vec::new(),
            spans: Vec::new(),
            live: 0,
            garbage: 0,
        }
    }
}

impl<T: Copy> Ragged<T> {
    /// The list of `row` (empty for a row never set).
    #[inline]
    pub fn get(&self, row: usize) -> &[T] {
        match self.spans.get(row) {
            Some(&(start, len)) if len != 0 && len as usize <= BLOCK => {
                let block = &self.blocks[(start >> BLOCK_BITS) as usize];
                let offset = (start as usize) & (BLOCK - 1);
                &block[offset..offset + len as usize]
            }
            Some(&(start, len)) if len != 0 => &self.big[start as usize],
            _ => &[],
        }
    }

    /// Replaces the list of `row`.
    pub fn set(&mut self, row: usize, items: &[T]) {
        if self.spans.len() <= row {
            self.spans.resize(row + 1, (0, 0));
        }
        let (start, len) = self.spans[row];
        let new_len = u32::try_from(items.len()).expect("a row's list fits in u32");
        let in_block = |len: u32| len as usize <= BLOCK;
        if items.is_empty() {
            if in_block(len) {
                self.garbage += len as usize;
            } else {
                self.big[start as usize] = Box::new([]);
            }
            self.live -= len as usize;
            self.spans[row] = (0, 0);
        } else if in_block(len) && items.len() <= len as usize {
            let block = &mut self.blocks[(start >> BLOCK_BITS) as usize];
            let offset = (start as usize) & (BLOCK - 1);
            block[offset..offset + items.len()].copy_from_slice(items);
            self.garbage += (len - new_len) as usize;
            self.live -= (len - new_len) as usize;
            self.spans[row] = (start, new_len);
        } else {
            if in_block(len) {
                self.garbage += len as usize;
            } else {
                // A big list's allocation is dropped at once.
                self.big[start as usize] = Box::new([]);
            }
            self.live -= len as usize;
            self.spans[row] = (self.append(items), new_len);
            self.live += items.len();
        }
        if self.garbage > BLOCK && self.garbage > self.live {
            self.compact();
        }
    }

    /// Stores `items` after the last list; its `start`.
    fn append(&mut self, items: &[T]) -> u32 {
        if items.len() > BLOCK {
            self.big.push(items.into());
            return u32::try_from(self.big.len() - 1).expect("fewer than 4 billion big lists");
        }
        let full = self
            .blocks
            .last()
            .is_none_or(|b| b.len() + items.len() > BLOCK);
        if full {
            self.blocks.push(Vec::with_capacity(BLOCK));
        }
        let index = self.blocks.len() - 1;
        let block = &mut self.blocks[index];
        let start = (index << BLOCK_BITS) | block.len();
        block.extend_from_slice(items);
        u32::try_from(start).expect("fewer than 2^32 values in blocks")
    }

    fn compact(&mut self) {
        let old = std::mem::take(self);
        self.spans = Vec::with_capacity(old.spans.len());
        for row in 0..old.spans.len() {
            let items = old.get(row);
            let start = if items.is_empty() {
                0
            } else {
                self.append(items)
            };
            self.spans.push((start, items.len() as u32));
            self.live += items.len();
        }
    }

    /// Bytes held (capacity), for memory reports.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.blocks.iter().map(|b| b.capacity()).sum::<usize>() * std::mem::size_of::<T>()
    }
}

/// Grows `v` to at least `len` entries, filling with `fill`.
#[inline]
pub(crate) fn grow<T: Clone>(v: &mut Vec<T>, len: usize, fill: T) {
    if v.len() < len {
        v.resize(len, fill);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_replaces_and_compacts() {
        let mut r: Ragged<u32> = Ragged::default();
        r.set(2, &[1, 2, 3]);
        assert_eq!(r.get(0), &[] as &[u32]);
        assert_eq!(r.get(2), &[1, 2, 3]);
        r.set(2, &[9]);
        assert_eq!(r.get(2), &[9]);
        r.set(2, &[4, 5, 6, 7]);
        assert_eq!(r.get(2), &[4, 5, 6, 7]);
        for i in 0..5000 {
            r.set(1, &[i, i + 1, i + 2, i + 3, i + 4]);
            r.set(1, &[i, i + 1, i + 2, i + 3, i + 4, i + 5]);
        }
        assert_eq!(r.get(1).len(), 6);
        assert_eq!(r.get(2), &[4, 5, 6, 7]);
        // 10,000 replacements of 6 items: compacted, at most a few blocks held.
        assert!(r.blocks.len() <= 3, "{}", r.blocks.len());
    }

    #[test]
    fn ragged_lists_fill_blocks_and_big_lists_stand_alone() {
        let mut r: Ragged<u32> = Ragged::default();
        // Empty lists take no block.
        r.set(3, &[]);
        assert_eq!(
            (r.get(1), r.get(3), r.blocks.len()),
            (&[] as &[u32], &[] as &[u32], 0)
        );
        // 70,000 lists of 3: 21,845 per block of 65,536, so 4 blocks; no list crosses a block.
        for row in 0..70_000u32 {
            r.set(row as usize, &[row, row + 1, row + 2]);
        }
        assert_eq!(r.blocks.len(), 4);
        assert_eq!(r.held(), 4 * 65_536 * 4);
        for row in [0u32, 21_844, 21_845, 69_999] {
            assert_eq!(r.get(row as usize), &[row, row + 1, row + 2]);
        }
        // A list longer than a block has its own allocation, and can shrink back into a block.
        let long: Vec<u32> = (0..100_000).collect();
        r.set(5, &long);
        assert_eq!(r.get(5), long.as_slice());
        assert_eq!(r.get(6), &[6, 7, 8]);
        r.set(5, &[1]);
        assert_eq!(r.get(5), &[1]);
        assert_eq!(r.big[0].len(), 0);
        r.set(70_000, &[]);
        assert_eq!(r.get(70_000), &[] as &[u32]);
    }

    #[test]
    fn interner_is_dense_and_stable() {
        let mut i = Interner::default();
        assert_eq!(i.intern("a"), 0);
        assert_eq!(i.intern("b"), 1);
        assert_eq!(i.intern("a"), 0);
        assert_eq!(i.name(1), "b");
        assert_eq!(i.get("c"), None);
        assert_eq!(i.intern_opt(None), NONE);
        for k in 0..10_000 {
            assert_eq!(i.intern(&format!("E-{k}")), k + 2);
        }
        for k in 0..10_000 {
            assert_eq!(i.get(&format!("E-{k}")), Some(k + 2));
            assert_eq!(i.name(k + 2), format!("E-{k}"));
        }
    }
}
