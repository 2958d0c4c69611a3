//! Instants as the source systems wrote them: a UTC instant plus the UTC offset it was written
//! with, so a record read back is written out exactly as it came in (`09:15:00+07:00` stays
//! `+07:00`), while every computation works on the UTC instant.

use std::fmt;
use std::str::FromStr;

use jiff::fmt::temporal::Pieces;
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};

/// An RFC 3339 instant with its original UTC offset. A timestamp without an offset is an error,
/// never a guess.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Moment {
    instant: Timestamp,
    offset: Offset,
}

impl Moment {
    /// A moment at `instant`, written with `offset`.
    pub fn new(instant: Timestamp, offset: Offset) -> Self {
        Self { instant, offset }
    }

    /// A moment from milliseconds since the Unix epoch, written in UTC.
    pub fn from_epoch_millis(millis: i64) -> Option<Self> {
        Timestamp::from_millisecond(millis)
            .ok()
            .map(|instant| Self::new(instant, Offset::UTC))
    }

    pub fn instant(&self) -> Timestamp {
        self.instant
    }

    pub fn offset(&self) -> Offset {
        self.offset
    }

    /// Milliseconds since the Unix epoch (UTC); how storage keeps instants.
    pub fn epoch_millis(&self) -> i64 {
        self.instant.as_millisecond()
    }

    /// `self - earlier` as a signed duration.
    pub fn since(&self, earlier: &Moment) -> SignedDuration {
        self.instant.duration_since(earlier.instant)
    }

    /// The same moment shifted by `seconds` (fractions allowed), keeping its offset.
    pub fn plus_seconds(&self, seconds: f64) -> Option<Moment> {
        let d = SignedDuration::try_from_secs_f64(seconds).ok()?;
        self.instant
            .checked_add(d)
            .ok()
            .map(|instant| Self::new(instant, self.offset))
    }
}

impl PartialOrd for Moment {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Moment {
    /// Moments order by instant; the offset they were written with only breaks ties.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.instant
            .cmp(&other.instant)
            .then_with(|| self.offset.seconds().cmp(&other.offset.seconds()))
    }
}

/// Why a text is not an acceptable timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MomentError {
    #[error(
        "timestamp `{0}` has no UTC offset; write it as RFC 3339 with an offset, e.g. 2026-03-02T09:15:00+07:00 (or Z for UTC)"
    )]
    NoOffset(String),
    #[error("`{0}` is not an RFC 3339 timestamp (e.g. 2026-03-02T09:15:00+07:00): {1}")]
    Invalid(String, String),
}

impl FromStr for Moment {
    type Err = MomentError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let pieces =
            Pieces::parse(text).map_err(|e| MomentError::Invalid(text.into(), e.to_string()))?;
        let Some(offset) = pieces.to_numeric_offset() else {
            return Err(MomentError::NoOffset(text.into()));
        };
        let Some(time) = pieces.time() else {
            return Err(MomentError::Invalid(
                text.into(),
                "it has a date but no time of day".into(),
            ));
        };
        let instant = offset
            .to_timestamp(pieces.date().to_datetime(time))
            .map_err(|e| MomentError::Invalid(text.into(), e.to_string()))?;
        Ok(Self { instant, offset })
    }
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.offset == Offset::UTC {
            write!(f, "{}", self.instant)
        } else {
            write!(f, "{}", self.instant.display_with_offset(self.offset))
        }
    }
}

impl serde::Serialize for Moment {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Moment {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Moment;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp with a UTC offset")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Moment, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_written_offset_and_the_instant() {
        let m: Moment = "2026-03-02T09:15:00+07:00".parse().unwrap();
        assert_eq!(m.to_string(), "2026-03-02T09:15:00+07:00");
        // 09:15 at +07:00 is 02:15 UTC.
        let utc: Moment = "2026-03-02T02:15:00Z".parse().unwrap();
        assert_eq!(m.instant(), utc.instant());
        assert_eq!(utc.to_string(), "2026-03-02T02:15:00Z");
        assert_eq!(m.epoch_millis(), utc.epoch_millis());
    }

    #[test]
    fn fractional_seconds_survive() {
        let m: Moment = "2026-03-02T09:15:00.25-05:00".parse().unwrap();
        assert_eq!(m.to_string(), "2026-03-02T09:15:00.25-05:00");
    }

    #[test]
    fn a_timestamp_without_an_offset_is_an_error() {
        let err = "2026-03-02T09:15:00".parse::<Moment>().unwrap_err();
        assert!(matches!(err, MomentError::NoOffset(_)), "{err}");
        assert!(err.to_string().contains("has no UTC offset"));
        let err = "2026-03-02".parse::<Moment>().unwrap_err();
        assert!(matches!(err, MomentError::NoOffset(_)), "{err}");
        let err = "yesterday".parse::<Moment>().unwrap_err();
        assert!(matches!(err, MomentError::Invalid(..)), "{err}");
    }

    #[test]
    fn plus_seconds_keeps_offset() {
        let m: Moment = "2021-01-01T09:12:58+01:00".parse().unwrap();
        assert_eq!(
            m.plus_seconds(109.0).unwrap().to_string(),
            "2021-01-01T09:14:47+01:00"
        );
    }
}
