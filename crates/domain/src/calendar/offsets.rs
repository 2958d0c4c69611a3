//! The UTC offsets of a time zone as a sorted table of transitions, read once from jiff's time
//! zone database when a schedule is built, so that the hot path is a binary search instead of a
//! time-zone rule evaluation. Outside the table's years jiff is asked directly.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Nanoseconds in a second.
pub(crate) const NS: i128 = 1_000_000_000;

/// The table covers 1900-01-01T00:00Z (inclusive) to 2200-01-01T00:00Z (exclusive).
const TABLE_START: i128 = -2_208_988_800 * NS;
const TABLE_END: i128 = 7_258_118_400 * NS;

#[derive(Clone, Debug)]
pub(crate) struct Offsets {
    tz: TimeZone,
    /// Instants (ns since the epoch) from which `offsets[i]` holds; `starts[0] == TABLE_START`.
    starts: Vec<i128>,
    /// UTC offsets in ns (local wall time = instant + offset).
    offsets: Vec<i128>,
}

pub(crate) fn timestamp(ns: i128) -> Timestamp {
    Timestamp::from_nanosecond(ns).expect("instant within jiff's range")
}

impl Offsets {
    pub(crate) fn new(tz: &TimeZone) -> Self {
        let first = timestamp(TABLE_START);
        let mut starts = vec![TABLE_START];
        let mut offsets = vec![i128::from(tz.to_offset(first).seconds()) * NS];
        for transition in tz.following(first) {
            let at = transition.timestamp().as_nanosecond();
            if at >= TABLE_END {
                break;
            }
            let offset = i128::from(transition.offset().seconds()) * NS;
            if offsets.last() != Some(&offset) {
                starts.push(at);
                offsets.push(offset);
            }
        }
        Self {
            tz: tz.clone(),
            starts,
            offsets,
        }
    }

    /// The offset in force at instant `t` (ns) and the instant at which it next changes (or the
    /// table's edge): on `[t, until)` local wall time is `instant + offset`.
    #[inline]
    pub(crate) fn at(&self, t: i128) -> (i128, i128) {
        if (TABLE_START..TABLE_END).contains(&t) {
            let i = self.starts.partition_point(|&s| s <= t) - 1;
            let until = self.starts.get(i + 1).copied().unwrap_or(TABLE_END);
            (self.offsets[i], until)
        } else {
            let ts = timestamp(t);
            let offset = i128::from(self.tz.to_offset(ts).seconds()) * NS;
            let mut until = self
                .tz
                .following(ts)
                .next()
                .map_or(i128::MAX, |tr| tr.timestamp().as_nanosecond());
            if t < TABLE_START {
                until = until.min(TABLE_START);
            }
            (offset, until)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_jiff() {
        for name in [
            "Europe/Berlin",
            "America/New_York",
            "Asia/Ho_Chi_Minh",
            "UTC",
            "Australia/Lord_Howe",
        ] {
            let tz = TimeZone::get(name).unwrap();
            let table = Offsets::new(&tz);
            // Every 7 hours 13 minutes from 1890 to 2210, the table's offset is jiff's, and the
            // stretch it reports holds that offset up to its end.
            let mut t = -2_524_521_600 * NS;
            while t < 7_573_651_200 * NS {
                let (offset, until) = table.at(t);
                let want = i128::from(tz.to_offset(timestamp(t)).seconds()) * NS;
                assert_eq!(offset, want, "{name} at {}", timestamp(t));
                assert!(until > t);
                if until < 7_573_651_200 * NS {
                    let before = i128::from(tz.to_offset(timestamp(until - 1)).seconds()) * NS;
                    assert_eq!(before, offset, "{name} before {}", timestamp(until));
                }
                t += (7 * 3600 + 13 * 60) * NS;
            }
        }
    }
}
