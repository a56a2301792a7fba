//! `--shard I/N`: which part of an input one run of a batch command handles.
//!
//! Shard `I` of `N` is the `I`-th of `N` contiguous ranges of the input's items (lines,
//! programs or records, as each command defines them), as equal in size as can be. Every
//! item is in exactly one shard and the shards follow the input order, so concatenating the
//! outputs of shards `0/N` .. `N-1/N` gives the output of one unsharded run byte for byte,
//! provided each item's output depends only on the item and its position in the whole input.

use std::ops::Range;

/// One part of an input: `index` in `0..count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole input.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// The positions of this shard's items among `len` items.
    pub fn range(self, len: usize) -> Range<usize> {
        let bound = |i: usize| (len as u128 * i as u128 / self.count as u128) as usize;
        bound(self.index)..bound(self.index + 1)
    }

    /// Whether this is the whole input.
    pub fn is_whole(self) -> bool {
        self.count == 1
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Parse `I/N` with `0 <= I < N`.
    fn from_str(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("expected I/N, got {text:?}"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("bad shard index {i:?}"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("bad shard count {n:?}"))?;
        if count == 0 || index >= count {
            return Err(format!("shard {index}/{count}: need 0 <= I < N"));
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_cover_the_input_once_in_order() {
        assert_eq!("1/4".parse(), Ok(Shard { index: 1, count: 4 }));
        for bad in ["4/4", "x", "1/0", "-1/2", "1/"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        for len in [0, 1, 3, 7, 200] {
            for count in 1..=9 {
                let ranges: Vec<Range<usize>> = (0..count)
                    .map(|index| Shard { index, count }.range(len))
                    .collect();
                let covered: Vec<usize> = ranges.iter().flat_map(|r| r.clone()).collect();
                assert_eq!(covered, (0..len).collect::<Vec<_>>(), "{len} in {count}");
                let sizes: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
                let (min, max) = (sizes.iter().min(), sizes.iter().max());
                assert!(max.unwrap() - min.unwrap() <= 1, "{sizes:?}");
            }
        }
    }
}
