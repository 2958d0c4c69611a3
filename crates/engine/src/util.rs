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

/// A list per row, stored in one vector (`values`) with a `(start, len)` span per row. Replacing a
/// row's list overwrites it in place when the new one is not longer, else appends it and leaves
/// the old values as garbage, which is compacted away once it outweighs the live values.
#[derive(Clone, Debug)]
pub(crate) struct Ragged<T> {
    values: Vec<T>,
    spans: Vec<(u32, u32)>,
    garbage: usize,
}

impl<T> Default for Ragged<T> {
    fn default() -> Self {
        Self {
            values: Vec::new(),
            spans: Vec::new(),
            garbage: 0,
        }
    }
}

impl<T: Copy> Ragged<T> {
    /// The list of `row` (empty for a row never set).
    #[inline]
    pub fn get(&self, row: usize) -> &[T] {
        match self.spans.get(row) {
            Some(&(start, len)) => &self.values[start as usize..(start + len) as usize],
            None => &[],
        }
    }

    /// Replaces the list of `row`.
    pub fn set(&mut self, row: usize, items: &[T]) {
        if self.spans.len() <= row {
            self.spans.resize(row + 1, (0, 0));
        }
        let (start, len) = self.spans[row];
        let new_len = u32::try_from(items.len()).expect("a row's list fits in u32");
        if items.len() <= len as usize {
            let s = start as usize;
            self.values[s..s + items.len()].copy_from_slice(items);
            self.garbage += (len - new_len) as usize;
            self.spans[row] = (start, new_len);
        } else {
            self.garbage += len as usize;
            let start = u32::try_from(self.values.len()).expect("fewer than 4 billion values");
            self.values.extend_from_slice(items);
            self.spans[row] = (start, new_len);
        }
        if self.garbage > 1024 && self.garbage > self.values.len() / 2 {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let mut values = Vec::with_capacity(self.values.len() - self.garbage);
        for span in &mut self.spans {
            let (start, len) = *span;
            let new_start = u32::try_from(values.len()).expect("fits");
            values.extend_from_slice(&self.values[start as usize..(start + len) as usize]);
            *span = (new_start, len);
        }
        self.values = values;
        self.garbage = 0;
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
        assert!(r.values.len() < 3 * 1024 + 20, "{}", r.values.len());
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
