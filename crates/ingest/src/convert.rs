//! Turning the text of one CSV cell into the JSON value of one field of the interchange format.
//!
//! Every function returns the reason as text on failure; the caller names the row, the field and
//! the column.

use carekpi_domain::Moment;
use carekpi_domain::moment::MomentError;
use carekpi_domain::records::FieldType;
use jiff::civil::{Date, DateTime, Time};
use jiff::fmt::strtime;
use jiff::tz::TimeZone;
use serde_json::Value;

/// How a cell written as a duration is read (`duration = "h:mm:ss"` in a mapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DurationUnit {
    /// `H:MM:SS` (hours of any length; minutes and seconds below 60; fractions of a second allowed).
    HMmSs,
    /// `M:SS`.
    MSs,
    Seconds,
    Minutes,
    Hours,
    Milliseconds,
}

impl DurationUnit {
    pub(crate) const NAMES: &'static [&'static str] = &[
        "h:mm:ss",
        "m:ss",
        "seconds",
        "minutes",
        "hours",
        "milliseconds",
    ];

    pub(crate) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "h:mm:ss" | "hh:mm:ss" => DurationUnit::HMmSs,
            "m:ss" | "mm:ss" => DurationUnit::MSs,
            "s" | "seconds" => DurationUnit::Seconds,
            "min" | "minutes" => DurationUnit::Minutes,
            "h" | "hours" => DurationUnit::Hours,
            "ms" | "milliseconds" => DurationUnit::Milliseconds,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            DurationUnit::HMmSs => "H:MM:SS",
            DurationUnit::MSs => "M:SS",
            DurationUnit::Seconds => "seconds",
            DurationUnit::Minutes => "minutes",
            DurationUnit::Hours => "hours",
            DurationUnit::Milliseconds => "milliseconds",
        }
    }

    /// The duration written in `text`, in seconds.
    pub(crate) fn seconds(self, text: &str) -> Result<f64, String> {
        let bad = || {
            format!(
                "`{text}` is not a duration written as {} (e.g. {})",
                self.name(),
                match self {
                    DurationUnit::HMmSs => "0:02:23",
                    DurationUnit::MSs => "2:23",
                    _ => "143",
                }
            )
        };
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let value = match self {
            DurationUnit::HMmSs | DurationUnit::MSs => {
                let parts: Vec<&str> = body.split(':').collect();
                let want = if self == DurationUnit::HMmSs { 3 } else { 2 };
                if parts.len() != want {
                    return Err(bad());
                }
                let whole = |p: &str| -> Option<f64> {
                    (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| p.parse::<f64>().ok())
                        .flatten()
                };
                let secs_text = parts[want - 1];
                let secs = (!secs_text.is_empty()
                    && secs_text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && secs_text.as_bytes()[0].is_ascii_digit())
                .then(|| secs_text.parse::<f64>().ok())
                .flatten()
                .ok_or_else(bad)?;
                let mins = whole(parts[want - 2]).ok_or_else(bad)?;
                let hours = if want == 3 {
                    whole(parts[0]).ok_or_else(bad)?
                } else {
                    0.0
                };
                if secs >= 60.0 || (want == 3 && mins >= 60.0) {
                    return Err(format!(
                        "`{text}` is not a duration written as {}: minutes and seconds must be below 60",
                        self.name()
                    ));
                }
                hours * 3600.0 + mins * 60.0 + secs
            }
            unit => {
                let n = parse_f64(body).ok_or_else(bad)?;
                match unit {
                    DurationUnit::Seconds => n,
                    DurationUnit::Minutes => n * 60.0,
                    DurationUnit::Hours => n * 3600.0,
                    _ => n / 1000.0,
                }
            }
        };
        Ok(if negative { -value } else { value })
    }
}

fn parse_f64(text: &str) -> Option<f64> {
    // Rust accepts "inf", "NaN" and "1e5"; a cell holding a number is digits, a sign, a point and
    // maybe an exponent.
    let ok = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A JSON number for `n`: an integer when it is whole.
pub(crate) fn number_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

pub(crate) fn integer(text: &str) -> Result<Value, String> {
    if let Ok(n) = text.parse::<i64>() {
        return Ok(Value::from(n));
    }
    match parse_f64(text) {
        // Spreadsheets write whole numbers as "3.0".
        Some(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(Value::from(n as i64)),
        Some(_) => Err(format!("`{text}` is not a whole number")),
        None => Err(format!("`{text}` is not a number")),
    }
}

pub(crate) fn number(text: &str) -> Result<Value, String> {
    if let Ok(n) = text.parse::<i64>() {
        return Ok(Value::from(n));
    }
    parse_f64(text)
        .map(number_value)
        .ok_or_else(|| format!("`{text}` is not a number"))
}

pub(crate) fn boolean(text: &str) -> Result<Value, String> {
    const TRUE: [&str; 4] = ["true", "yes", "y", "1"];
    const FALSE: [&str; 4] = ["false", "no", "n", "0"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Ok(Value::Bool(true))
    } else if FALSE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Ok(Value::Bool(false))
    } else {
        Err(format!(
            "`{text}` is not a yes/no value (true/false, yes/no, y/n or 1/0)"
        ))
    }
}

/// A list of texts: split on `separators` (any of its characters), items trimmed, empty items
/// dropped.
pub(crate) fn text_list(text: &str, separators: &str) -> Value {
    Value::Array(
        text.split(|c| separators.contains(c))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect(),
    )
}

pub(crate) fn json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))
}

/// The moment a local date and time in `tz` stands for, written with the zone's offset at that
/// moment. A local time that does not exist (skipped by a DST change) or exists twice (repeated
/// by one) is resolved like jiff's "compatible" disambiguation (RFC 5545): a skipped time moves
/// forward by the length of the gap, a repeated time takes its first (earlier) occurrence.
pub(crate) fn local_moment(dt: DateTime, tz: &TimeZone) -> Result<Moment, String> {
    let instant = tz
        .to_ambiguous_timestamp(dt)
        .compatible()
        .map_err(|e| format!("{dt} cannot be placed in the time zone: {e}"))?;
    Ok(Moment::new(instant, tz.to_offset(instant)))
}

/// A timestamp cell with no `format`: RFC 3339 as written; a local date-time (no offset) is read
/// in `tz` when a zone was given, and otherwise left for validation to reject.
pub(crate) fn timestamp_as_written(text: &str, tz: Option<&TimeZone>) -> Result<Value, String> {
    match (text.parse::<Moment>(), tz) {
        (Err(MomentError::NoOffset(_)), Some(tz)) => {
            let dt = text.parse::<DateTime>().map_err(|e| {
                format!("`{text}` is not a date and time (e.g. 2026-03-02T09:15:00): {e}")
            })?;
            Ok(Value::String(local_moment(dt, tz)?.to_string()))
        }
        // Valid, or wrong in a way validation names precisely.
        _ => Ok(Value::String(text.to_string())),
    }
}

/// Whether a strptime format carries the UTC offset or time zone itself (`%z`, `%:z`, `%Q` …).
pub(crate) fn format_has_zone(format: &str) -> bool {
    let bytes = format.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            i += 1;
            if bytes.get(i) == Some(&b'%') {
                i += 1;
                continue;
            }
            // Flags, width and colons before the directive.
            while i < bytes.len() && matches!(bytes[i], b'-' | b'_' | b'0' | b'^' | b'#' | b':')
                || i < bytes.len() && bytes[i].is_ascii_digit()
            {
                i += 1;
            }
            if i < bytes.len() && matches!(bytes[i], b'z' | b'Q' | b's') {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// A timestamp cell read with a strptime `format`; placed in `tz` unless the format carries an
/// offset or zone itself.
pub(crate) fn timestamp_with_format(
    text: &str,
    format: &str,
    tz: Option<&TimeZone>,
) -> Result<Value, String> {
    let tm = strtime::parse(format, text)
        .map_err(|e| format!("`{text}` does not match the format `{format}`: {e}"))?;
    let moment = if tm.iana_time_zone().is_some() {
        let zdt = tm
            .to_zoned_datetime()
            .map_err(|e| format!("`{text}` (format `{format}`): {e}"))?;
        Moment::new(zdt.timestamp(), zdt.offset())
    } else if let Some(offset) = tm.offset() {
        let instant = tm
            .to_timestamp()
            .map_err(|e| format!("`{text}` (format `{format}`): {e}"))?;
        Moment::new(instant, offset)
    } else if let Some(instant) = tm.timestamp() {
        // `%s`: seconds since the Unix epoch.
        Moment::new(instant, jiff::tz::Offset::UTC)
    } else {
        let date = tm
            .to_date()
            .map_err(|e| format!("`{text}` (format `{format}`) has no full date: {e}"))?;
        let time = if tm.hour().is_some() {
            tm.to_time()
                .map_err(|e| format!("`{text}` (format `{format}`): {e}"))?
        } else {
            Time::midnight()
        };
        let tz = tz.ok_or_else(|| "no time zone given for a local time (--tz)".to_string())?;
        local_moment(date.to_datetime(time), tz)?
    };
    Ok(Value::String(moment.to_string()))
}

/// What a strptime format must give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FormatUse {
    /// A full date (`date_format`).
    Date,
    /// A time of day, at least the hour (`time_format`).
    Time,
    /// A moment: a full date (and maybe a time, an offset or a zone), or seconds since the epoch
    /// (`format` of a timestamp field).
    Timestamp,
}

/// Check a strptime format before any row is read: it must be one jiff understands, it must be
/// able to read back what it writes, and it must give what `used` needs. The check writes a
/// sample moment (2026-03-17 13:45:56.789 in Europe/Berlin) with the format and parses the text
/// again, so an unknown directive (`%J`), a directive jiff can write but not read (`%Z`) and a
/// format without directives (`YYMMDD` instead of `%y%m%d`) are all caught here.
pub(crate) fn check_format(format: &str, used: FormatUse) -> Result<(), String> {
    let sample = TimeZone::get("Europe/Berlin")
        .unwrap_or(TimeZone::UTC)
        .to_zoned_datetime(jiff::civil::date(2026, 3, 17).at(13, 45, 56, 789_000_000))
        .map_err(|e| e.to_string())?;
    let hint = match used {
        FormatUse::Date => "e.g. `%Y-%m-%d`, `%d/%m/%Y` or `%y%m%d`",
        FormatUse::Time => "e.g. `%H:%M:%S` or `%H:%M`",
        FormatUse::Timestamp => "e.g. `%Y-%m-%d %H:%M:%S` or `%d/%m/%Y %H:%M %z`",
    };
    let written = strtime::format(format, &sample)
        .map_err(|e| format!("`{format}` is not a strftime/strptime format ({hint}): {e}"))?;
    let tm = strtime::parse(format, &written).map_err(|e| {
        format!("`{format}` cannot read the text it writes itself (`{written}`): {e}")
    })?;
    let ok = match used {
        FormatUse::Date => tm.to_date().is_ok(),
        FormatUse::Time => tm.hour().is_some(),
        FormatUse::Timestamp => tm.timestamp().is_some() || tm.to_date().is_ok(),
    };
    if ok {
        Ok(())
    } else {
        let what = match used {
            FormatUse::Date => "a full date (year, month and day)",
            FormatUse::Time => "a time of day (at least the hour)",
            FormatUse::Timestamp => "a full date",
        };
        Err(format!(
            "`{format}` does not give {what}; formats are written with strftime directives ({hint})"
        ))
    }
}

pub(crate) fn date_with_format(text: &str, format: &str) -> Result<Date, String> {
    strtime::parse(format, text)
        .and_then(|tm| tm.to_date())
        .map_err(|e| format!("`{text}` is not a date written as `{format}`: {e}"))
}

pub(crate) fn time_with_format(text: &str, format: &str) -> Result<Time, String> {
    strtime::parse(format, text)
        .and_then(|tm| tm.to_time())
        .map_err(|e| format!("`{text}` is not a time of day written as `{format}`: {e}"))
}

/// The default conversion of a cell for a field of type `ty` (no duration, format or map).
pub(crate) fn by_type(
    text: &str,
    ty: FieldType,
    separators: &str,
    tz: Option<&TimeZone>,
) -> Result<Value, String> {
    match ty {
        FieldType::Text | FieldType::Vocabulary | FieldType::Decimal => {
            Ok(Value::String(text.to_string()))
        }
        FieldType::Integer => integer(text),
        FieldType::Number => number(text),
        FieldType::Boolean => boolean(text),
        FieldType::Timestamp => timestamp_as_written(text, tz),
        FieldType::TextList => Ok(text_list(text, separators)),
        FieldType::Json => json(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(DurationUnit::HMmSs.seconds("00:02:23"), Ok(143.0));
        assert_eq!(DurationUnit::HMmSs.seconds("0:07:00"), Ok(420.0));
        assert_eq!(DurationUnit::HMmSs.seconds("26:00:01.5"), Ok(93601.5));
        assert_eq!(DurationUnit::HMmSs.seconds("-0:00:05"), Ok(-5.0));
        assert!(DurationUnit::HMmSs.seconds("2:23").is_err());
        assert!(DurationUnit::HMmSs.seconds("0:61:00").is_err());
        assert!(DurationUnit::HMmSs.seconds("a:00:00").is_err());
        assert_eq!(DurationUnit::MSs.seconds("2:23"), Ok(143.0));
        assert_eq!(DurationUnit::Minutes.seconds("1.5"), Ok(90.0));
        assert_eq!(DurationUnit::Milliseconds.seconds("1500"), Ok(1.5));
        assert!(DurationUnit::Seconds.seconds("inf").is_err());
    }

    #[test]
    fn numbers_and_booleans() {
        assert_eq!(integer("3"), Ok(Value::from(3)));
        assert_eq!(integer("3.0"), Ok(Value::from(3)));
        assert!(integer("3.5").unwrap_err().contains("not a whole number"));
        assert!(integer("three").unwrap_err().contains("not a number"));
        assert_eq!(number("2.5"), Ok(Value::from(2.5)));
        assert!(number("NaN").is_err());
        for t in ["Y", "yes", "TRUE", "1"] {
            assert_eq!(boolean(t), Ok(Value::Bool(true)), "{t}");
        }
        for f in ["n", "No", "false", "0"] {
            assert_eq!(boolean(f), Ok(Value::Bool(false)), "{f}");
        }
        assert!(boolean("maybe").is_err());
        assert_eq!(
            text_list("a; b,c ,,", ";,"),
            serde_json::json!(["a", "b", "c"])
        );
    }

    #[test]
    fn formats_are_checked_before_any_row() {
        assert_eq!(check_format("%y%m%d", FormatUse::Date), Ok(()));
        assert_eq!(check_format("%H:%M:%S", FormatUse::Time), Ok(()));
        assert_eq!(
            check_format("%Y/%m/%d %H:%M:%S%.f", FormatUse::Timestamp),
            Ok(())
        );
        assert_eq!(check_format("%s", FormatUse::Timestamp), Ok(()));
        assert_eq!(check_format("%d/%m/%Y", FormatUse::Timestamp), Ok(()));
        let e = check_format("YYMMDD", FormatUse::Date).unwrap_err();
        assert!(e.contains("does not give a full date"), "{e}");
        let e = check_format("%M:%S", FormatUse::Time).unwrap_err();
        assert!(e.contains("does not give a time of day"), "{e}");
        let e = check_format("%Y-%m-%d %J", FormatUse::Timestamp).unwrap_err();
        assert!(e.contains("is not a strftime/strptime format"), "{e}");
        assert!(e.contains("`J`"), "{e}");
        let e = check_format("%Y-%m-%d %H:%M %Z", FormatUse::Timestamp).unwrap_err();
        assert!(e.contains("cannot read the text it writes itself"), "{e}");
        // H:MM:SS with a one-digit hour and YYMMDD read with the checked formats.
        assert_eq!(
            time_with_format("7:02:47", "%H:%M:%S").unwrap().to_string(),
            "07:02:47"
        );
        assert_eq!(
            date_with_format("990201", "%y%m%d").unwrap().to_string(),
            "1999-02-01"
        );
    }

    #[test]
    fn zones() {
        assert!(format_has_zone("%Y-%m-%d %H:%M:%S%:z"));
        assert!(format_has_zone("%FT%T%z"));
        assert!(!format_has_zone("%d/%m/%Y %H:%M"));
        assert!(!format_has_zone("100%% %H"));
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            timestamp_with_format("29.03.2026 02:30", "%d.%m.%Y %H:%M", Some(&tz)).unwrap(),
            Value::from("2026-03-29T03:30:00+02:00")
        );
        assert_eq!(
            timestamp_as_written("2026-10-25 02:30:00", Some(&tz)).unwrap(),
            Value::from("2026-10-25T02:30:00+02:00")
        );
        assert_eq!(
            timestamp_as_written("2026-10-25T02:30:00", None).unwrap(),
            Value::from("2026-10-25T02:30:00")
        );
    }
}
