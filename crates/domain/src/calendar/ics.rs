//! Holidays from an iCalendar (RFC 5545) file, such as a public-holiday calendar exported from
//! Google Calendar, Outlook or a government site.
//!
//! What is read, from each `VEVENT` (other components — `VTIMEZONE`, `VTODO`, a `VALARM` inside
//! an event — are skipped, their properties never taken for the event's):
//! - `DTSTART;VALUE=DATE:20260216` with `DTEND;VALUE=DATE:20260221` (exclusive, as RFC 5545
//!   says) is the all-day holiday 16..=20 February; without `DTEND` it is one day;
//!   `DURATION:P5D` works too. A `DTEND` equal to `DTSTART` is read as one day (some exporters
//!   write that).
//! - A timed event (`DTSTART;TZID=Asia/Ho_Chi_Minh:20260213T140000`, or UTC with `Z`) is a
//!   closure of those absolute instants ([`Closure::Span`]); its end is `DTEND` or `DURATION`.
//!   `TZID` must name an IANA zone (a prefix such as `/mozilla.org/…/` is stripped); the file's
//!   own `VTIMEZONE` definitions are not used. A floating time (no `TZID`, no `Z`) is an error,
//!   since the file does not say where it is. A timed event with no end closes nothing and is
//!   skipped.
//! - `SUMMARY` is the holiday's name (text escapes undone). `STATUS:CANCELLED` events are skipped.
//! - `RRULE:FREQ=YEARLY` (optionally `INTERVAL=1`, `COUNT`, `UNTIL`, and `BYMONTH`/`BYMONTHDAY`
//!   equal to the start's) repeats a fixed-date holiday every year ([`Repeat::Yearly`]); a timed
//!   yearly event needs `COUNT` or `UNTIL` and is expanded into one closure per year. Other
//!   rules (weekly, `BYDAY` such as "fourth Thursday"), `RDATE`, `EXDATE` and `RECURRENCE-ID`
//!   are errors rather than silently wrong dates.
//!
//! Lines are unfolded first (a line starting with a space or tab continues the previous one),
//! CRLF or LF endings both work, and every error names the (first physical) line and the reason.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp, ZonedDateTime};

use super::config::{Closure, Holiday, Repeat};

/// Why an iCalendar text could not be read, with the line it was found on (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct IcsError {
    pub line: usize,
    pub reason: String,
}

fn err<T>(line: usize, reason: impl Into<String>) -> Result<T, IcsError> {
    Err(IcsError {
        line,
        reason: reason.into(),
    })
}

/// The most occurrences a bounded yearly timed event may expand to.
const MAX_OCCURRENCES: usize = 1000;

/// One unfolded content line: `NAME;PARAM=VALUE:VALUE`.
#[derive(Debug, Clone)]
struct Content {
    line: usize,
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Content {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Unfold RFC 5545 lines: CRLF (or LF) followed by one space or tab continues the line.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t'])
            && let Some(last) = out.last_mut()
        {
            last.1.push_str(rest);
            continue;
        }
        if raw.trim().is_empty() {
            continue;
        }
        out.push((i + 1, raw.to_string()));
    }
    out
}

fn parse_content(line: usize, text: &str) -> Result<Content, IcsError> {
    let Some(name_end) = text.find([';', ':']) else {
        return err(
            line,
            format!("`{}` is not a content line (NAME:VALUE)", shorten(text)),
        );
    };
    let name = text[..name_end].trim().to_ascii_uppercase();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return err(
            line,
            format!("`{}` is not a content line (NAME:VALUE)", shorten(text)),
        );
    }
    let mut rest = &text[name_end..];
    let mut params = Vec::new();
    while let Some(r) = rest.strip_prefix(';') {
        let Some(eq) = r.find('=') else {
            return err(
                line,
                format!("{name}: parameter `{}` has no `=`", shorten(r)),
            );
        };
        let pname = r[..eq].trim().to_ascii_uppercase();
        let mut r = &r[eq + 1..];
        let mut values = Vec::new();
        loop {
            if let Some(q) = r.strip_prefix('"') {
                let Some(close) = q.find('"') else {
                    return err(
                        line,
                        format!("{name}: parameter {pname} has an unclosed quote"),
                    );
                };
                values.push(&q[..close]);
                r = &q[close + 1..];
            } else {
                let end = r.find([',', ';', ':']).unwrap_or(r.len());
                values.push(&r[..end]);
                r = &r[end..];
            }
            match r.strip_prefix(',') {
                Some(next) => r = next,
                None => break,
            }
        }
        params.push((pname, values.join(",")));
        rest = r;
    }
    let Some(value) = rest.strip_prefix(':') else {
        return err(line, format!("{name}: no `:` before the value"));
    };
    Ok(Content {
        line,
        name,
        params,
        value: value.to_string(),
    })
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// Undo TEXT escapes (`\,` `\;` `\\` `\n`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push(' '),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// A DTSTART/DTEND value.
#[derive(Debug, Clone)]
enum When {
    Date(Date),
    Instant(ZonedDateTime),
}

fn digits(s: &str, line: usize, what: &str) -> Result<i32, IcsError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return err(line, format!("{what} has `{s}` where digits belong"));
    }
    Ok(s.parse().unwrap_or(0))
}

fn parse_date(v: &str, line: usize, what: &str) -> Result<Date, IcsError> {
    if v.len() != 8 || !v.is_ascii() {
        return err(line, format!("{what} `{v}` is not a date YYYYMMDD"));
    }
    let (y, m, d) = (
        digits(&v[0..4], line, what)?,
        digits(&v[4..6], line, what)?,
        digits(&v[6..8], line, what)?,
    );
    Date::new(y as i16, m as i8, d as i8)
        .or_else(|e| err(line, format!("{what} `{v}` is not a date: {e}")))
}

/// A date-time `YYYYMMDDTHHMMSS` and whether it ends in `Z`.
fn parse_datetime(v: &str, line: usize, what: &str) -> Result<(DateTime, bool), IcsError> {
    let (body, utc) = match v.strip_suffix(['Z', 'z']) {
        Some(b) => (b, true),
        None => (v, false),
    };
    if body.len() != 15 || !body.is_ascii() || !body[8..9].eq_ignore_ascii_case("T") {
        return err(
            line,
            format!("{what} `{v}` is not a date-time YYYYMMDDTHHMMSS (optionally ending in Z)"),
        );
    }
    let date = parse_date(&body[..8], line, what)?;
    let (h, mi, s) = (
        digits(&body[9..11], line, what)?,
        digits(&body[11..13], line, what)?,
        digits(&body[13..15], line, what)?,
    );
    // RFC 5545 allows a leap second 60; read it as 59.
    let time = jiff::civil::Time::new(h as i8, mi as i8, s.min(59) as i8, 0)
        .or_else(|e| err(line, format!("{what} `{v}` has no such time of day: {e}")))?;
    Ok((date.to_datetime(time), utc))
}

/// An IANA zone from a TZID, stripping prefixes like `/mozilla.org/20050126_1/`.
fn zone(tzid: &str, line: usize, what: &str) -> Result<TimeZone, IcsError> {
    let tzid = tzid.trim();
    let mut candidate = tzid;
    loop {
        if let Ok(tz) = TimeZone::get(candidate.trim_start_matches('/')) {
            return Ok(tz);
        }
        match candidate.trim_start_matches('/').split_once('/') {
            Some((_, rest)) if rest.contains('/') || TimeZone::get(rest).is_ok() => {
                candidate = rest;
            }
            _ => break,
        }
    }
    err(
        line,
        format!(
            "{what} has TZID=`{tzid}`, which is not an IANA time zone name such as Asia/Ho_Chi_Minh"
        ),
    )
}

fn parse_when(c: &Content) -> Result<When, IcsError> {
    let what = c.name.as_str();
    let v = c.value.trim();
    let is_date = match c.param("VALUE") {
        Some(t) if t.eq_ignore_ascii_case("DATE") => true,
        Some(t) if t.eq_ignore_ascii_case("DATE-TIME") => false,
        Some(t) => {
            return err(
                c.line,
                format!("{what} has VALUE={t}; expected DATE or DATE-TIME"),
            );
        }
        None => v.len() == 8,
    };
    if is_date {
        return Ok(When::Date(parse_date(v, c.line, what)?));
    }
    let (dt, utc) = parse_datetime(v, c.line, what)?;
    if utc {
        let z = dt
            .to_zoned_datetime(TimeZone::UTC)
            .or_else(|e| err(c.line, format!("{what} `{v}`: {e}")))?;
        return Ok(When::Instant(z));
    }
    let Some(tzid) = c.param("TZID") else {
        return err(
            c.line,
            format!(
                "{what} `{v}` is a floating local time (no TZID and no Z), so the file does not \
                 say where it is; add TZID=<IANA zone> or write it in UTC ending in Z"
            ),
        );
    };
    let tz = zone(tzid, c.line, what)?;
    let z = dt
        .to_zoned_datetime(tz)
        .or_else(|e| err(c.line, format!("{what} `{v}`: {e}")))?;
    Ok(When::Instant(z))
}

/// `DURATION` value: (days, seconds), weeks counted as 7 days.
fn parse_duration(c: &Content) -> Result<(i64, i64), IcsError> {
    let v = c.value.trim();
    let bad = || {
        err(
            c.line,
            format!("DURATION `{v}` is not an RFC 5545 duration such as P1D or PT2H30M"),
        )
    };
    let Some(body) = v.strip_prefix('+').unwrap_or(v).strip_prefix('P') else {
        return if v.starts_with('-') {
            err(c.line, format!("DURATION `{v}` is negative"))
        } else {
            bad()
        };
    };
    let (mut days, mut secs) = (0i64, 0i64);
    let mut in_time = false;
    let mut num = String::new();
    let mut any = false;
    for ch in body.chars() {
        match ch {
            '0'..='9' => num.push(ch),
            'T' if !in_time && num.is_empty() => in_time = true,
            'W' | 'D' | 'H' | 'M' | 'S' => {
                let Ok(n) = num.parse::<i64>() else {
                    return bad();
                };
                num.clear();
                any = true;
                match (in_time, ch) {
                    (false, 'W') => days += 7 * n,
                    (false, 'D') => days += n,
                    (true, 'H') => secs += 3600 * n,
                    (true, 'M') => secs += 60 * n,
                    (true, 'S') => secs += n,
                    _ => return bad(),
                }
            }
            _ => return bad(),
        }
    }
    if !any || !num.is_empty() {
        return bad();
    }
    Ok((days, secs))
}

/// How a yearly rule ends.
#[derive(Debug, Clone, Copy)]
enum Until {
    Forever,
    Count(u32),
    Date(Date),
    Instant(Timestamp),
}

/// Read an RRULE that repeats a fixed date every year; anything else is an error.
fn parse_rrule(c: &Content, month: i8, day: i8) -> Result<Until, IcsError> {
    let mut freq = None;
    let mut until = Until::Forever;
    let mut has_count = false;
    let mut has_until = false;
    for part in c.value.trim().split(';').filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return err(c.line, format!("RRULE part `{part}` has no `=`"));
        };
        let key = key.trim().to_ascii_uppercase();
        let value = value.trim();
        match key.as_str() {
            "FREQ" => freq = Some(value.to_ascii_uppercase()),
            "INTERVAL" if value == "1" => {}
            "INTERVAL" => {
                return err(
                    c.line,
                    format!(
                        "RRULE INTERVAL={value} is not supported (only every year, INTERVAL=1)"
                    ),
                );
            }
            "COUNT" => {
                let n: u32 = value.parse().ok().filter(|n| *n > 0).map_or_else(
                    || {
                        err(
                            c.line,
                            format!("RRULE COUNT=`{value}` is not a positive number"),
                        )
                    },
                    Ok,
                )?;
                has_count = true;
                until = Until::Count(n);
            }
            "UNTIL" => {
                has_until = true;
                until = if value.len() == 8 {
                    Until::Date(parse_date(value, c.line, "RRULE UNTIL")?)
                } else {
                    let (dt, utc) = parse_datetime(value, c.line, "RRULE UNTIL")?;
                    if utc {
                        Until::Instant(
                            dt.to_zoned_datetime(TimeZone::UTC)
                                .or_else(|e| err(c.line, format!("RRULE UNTIL: {e}")))?
                                .timestamp(),
                        )
                    } else {
                        Until::Date(dt.date())
                    }
                };
            }
            "BYMONTH" if value.parse::<i8>().ok() == Some(month) => {}
            "BYMONTHDAY" if value.parse::<i8>().ok() == Some(day) => {}
            "WKST" => {}
            other => {
                return err(
                    c.line,
                    format!(
                        "RRULE {other}={value} is not supported: only fixed-date yearly rules \
                         (FREQ=YEARLY, with BYMONTH/BYMONTHDAY equal to DTSTART's) are read"
                    ),
                );
            }
        }
    }
    if has_count && has_until {
        return err(
            c.line,
            "RRULE has both COUNT and UNTIL (RFC 5545 allows one)",
        );
    }
    match freq.as_deref() {
        Some("YEARLY") => Ok(until),
        Some(other) => err(
            c.line,
            format!(
                "RRULE FREQ={other} is not supported: only yearly fixed-date holidays (FREQ=YEARLY)"
            ),
        ),
        None => err(c.line, "RRULE has no FREQ"),
    }
}

/// The properties of one VEVENT that matter here.
#[derive(Debug, Default)]
struct Event {
    begin: usize,
    dtstart: Option<Content>,
    dtend: Option<Content>,
    duration: Option<Content>,
    summary: Option<Content>,
    rrule: Option<Content>,
    unsupported: Option<Content>,
    cancelled: bool,
}

impl Event {
    fn take(&mut self, c: Content) -> Result<(), IcsError> {
        let slot = match c.name.as_str() {
            "DTSTART" => &mut self.dtstart,
            "DTEND" => &mut self.dtend,
            "DURATION" => &mut self.duration,
            "SUMMARY" => &mut self.summary,
            "RRULE" => &mut self.rrule,
            "RDATE" | "EXDATE" | "RECURRENCE-ID" => {
                self.unsupported.get_or_insert(c);
                return Ok(());
            }
            "STATUS" => {
                self.cancelled = c.value.trim().eq_ignore_ascii_case("CANCELLED");
                return Ok(());
            }
            _ => return Ok(()),
        };
        if let Some(first) = slot {
            return err(
                c.line,
                format!(
                    "a second {} in the VEVENT begun at line {} (the first is on line {})",
                    c.name, self.begin, first.line
                ),
            );
        }
        *slot = Some(c);
        Ok(())
    }

    fn into_holidays(self, out: &mut Vec<Holiday>) -> Result<(), IcsError> {
        if self.cancelled {
            return Ok(());
        }
        if let Some(c) = &self.unsupported {
            return err(
                c.line,
                format!(
                    "{} is not supported; list each holiday date as its own event (or as a \
                     plain yearly RRULE)",
                    c.name
                ),
            );
        }
        let Some(start) = &self.dtstart else {
            return err(self.begin, "this VEVENT has no DTSTART");
        };
        if let (Some(end), Some(dur)) = (&self.dtend, &self.duration) {
            return err(
                dur.line,
                format!("the event has both DTEND (line {}) and DURATION", end.line),
            );
        }
        let name = self
            .summary
            .as_ref()
            .map(|s| unescape(&s.value))
            .unwrap_or_default();
        match parse_when(start)? {
            When::Date(first) => {
                let last = match (&self.dtend, &self.duration) {
                    (Some(end), _) => match parse_when(end)? {
                        When::Date(end_date) if end_date < first => {
                            return err(
                                end.line,
                                format!("DTEND {end_date} is before DTSTART {first}"),
                            );
                        }
                        When::Date(end_date) if end_date == first => first,
                        When::Date(end_date) => end_date.yesterday().expect("after DTSTART"),
                        When::Instant(_) => {
                            return err(
                                end.line,
                                "DTEND is a date-time but DTSTART is a date; give both as dates \
                                 (VALUE=DATE) for an all-day holiday",
                            );
                        }
                    },
                    (None, Some(dur)) => {
                        let (days, secs) = parse_duration(dur)?;
                        if secs != 0 || days < 1 {
                            return err(
                                dur.line,
                                "an all-day event's DURATION must be whole days (e.g. P3D)",
                            );
                        }
                        first
                            .checked_add(Span::new().days(days - 1))
                            .or_else(|e| err(dur.line, format!("DURATION: {e}")))?
                    }
                    (None, None) => first,
                };
                let repeat = match &self.rrule {
                    None => Repeat::Once,
                    Some(rule) => {
                        let until = match parse_rrule(rule, first.month(), first.day())? {
                            Until::Forever => None,
                            Until::Date(d) => Some(d),
                            Until::Instant(t) => Some(t.to_zoned_datetime(TimeZone::UTC).date()),
                            Until::Count(n) => nth_occurrence(first, n),
                        };
                        Repeat::Yearly { until }
                    }
                };
                let holiday = Holiday {
                    name,
                    closure: Closure::Days { first, last },
                    repeat,
                };
                if let Some((field, reason)) = holiday.problems().into_iter().next() {
                    return err(start.line, format!("{field}: {reason}"));
                }
                out.push(holiday);
            }
            When::Instant(begin) => {
                let end = match (&self.dtend, &self.duration) {
                    (Some(end), _) => match parse_when(end)? {
                        When::Instant(z) => z,
                        When::Date(_) => {
                            return err(
                                end.line,
                                "DTEND is a date but DTSTART is a date-time; give both the same way",
                            );
                        }
                    },
                    (None, Some(dur)) => {
                        let (days, secs) = parse_duration(dur)?;
                        begin
                            .checked_add(Span::new().days(days).seconds(secs))
                            .or_else(|e| err(dur.line, format!("DURATION: {e}")))?
                    }
                    // RFC 5545: a timed event without an end ends when it starts; it closes
                    // nothing.
                    (None, None) => return Ok(()),
                };
                let (s, e) = (begin.timestamp(), end.timestamp());
                if e <= s {
                    let line = self
                        .dtend
                        .as_ref()
                        .or(self.duration.as_ref())
                        .map_or(start.line, |c| c.line);
                    return err(
                        line,
                        format!("the event ends ({end}) no later than it starts ({begin})"),
                    );
                }
                let length = e.duration_since(s);
                match &self.rrule {
                    None => out.push(span(name, s, e)),
                    Some(rule) => {
                        let until = parse_rrule(rule, begin.month(), begin.day())?;
                        expand_yearly(rule.line, &name, &begin, length, until, out)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn span(name: String, start: Timestamp, end: Timestamp) -> Holiday {
    Holiday {
        name,
        closure: Closure::Span { start, end },
        repeat: Repeat::Once,
    }
}

/// The start date of the `n`-th yearly occurrence of `first` (29 February only in leap years).
fn nth_occurrence(first: Date, n: u32) -> Option<Date> {
    let mut seen = 0;
    for year in first.year()..=9999 {
        if let Ok(d) = Date::new(year, first.month(), first.day()) {
            seen += 1;
            if seen == n {
                return Some(d);
            }
        }
    }
    None
}

/// One span per year for a timed yearly event with COUNT or UNTIL.
fn expand_yearly(
    line: usize,
    name: &str,
    begin: &ZonedDateTime,
    length: SignedDuration,
    until: Until,
    out: &mut Vec<Holiday>,
) -> Result<(), IcsError> {
    if matches!(until, Until::Forever) {
        return err(
            line,
            "a timed event repeating yearly needs COUNT or UNTIL here (an all-day event may \
             repeat for ever)",
        );
    }
    let mut made = 0usize;
    for k in 0..=(9999 - i32::from(begin.year())) {
        let Ok(z) = begin.checked_add(Span::new().years(k)) else {
            break;
        };
        if z.day() != begin.day() {
            continue; // 29 February in a common year
        }
        let done = match until {
            Until::Count(n) => made >= n as usize,
            Until::Date(d) => z.date() > d,
            Until::Instant(t) => z.timestamp() > t,
            Until::Forever => unreachable!(),
        };
        if done {
            break;
        }
        if made == MAX_OCCURRENCES {
            return err(
                line,
                format!("the rule repeats more than {MAX_OCCURRENCES} times"),
            );
        }
        let s = z.timestamp();
        let e = s
            .checked_add(length)
            .or_else(|e| err(line, format!("occurrence out of range: {e}")))?;
        out.push(span(name.to_string(), s, e));
        made += 1;
    }
    Ok(())
}

/// Read the holidays of an iCalendar text: one [`Holiday`] per event (a bounded yearly timed
/// event gives one per year), in file order. See the module docs for what is supported.
pub fn parse_ics_holidays(text: &str) -> Result<Vec<Holiday>, IcsError> {
    let lines = unfold(text);
    let Some((first_line, first)) = lines.first() else {
        return err(
            1,
            "the file is empty; an iCalendar file starts with BEGIN:VCALENDAR",
        );
    };
    if !first.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR") {
        return err(
            *first_line,
            format!(
                "an iCalendar file starts with BEGIN:VCALENDAR, not `{}`",
                shorten(first)
            ),
        );
    }
    let mut out = Vec::new();
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut event: Option<Event> = None;
    for (line, text) in &lines {
        let c = parse_content(*line, text)?;
        match c.name.as_str() {
            "BEGIN" => {
                let component = c.value.trim().to_ascii_uppercase();
                if component.is_empty() {
                    return err(*line, "BEGIN without a component name");
                }
                if component == "VEVENT" {
                    if let Some(ev) = &event {
                        return err(
                            *line,
                            format!("a VEVENT inside the VEVENT begun at line {}", ev.begin),
                        );
                    }
                    event = Some(Event {
                        begin: *line,
                        ..Default::default()
                    });
                }
                stack.push((component, *line));
            }
            "END" => {
                let component = c.value.trim().to_ascii_uppercase();
                match stack.pop() {
                    Some((open, _)) if open == component => {}
                    Some((open, at)) => {
                        return err(
                            *line,
                            format!("END:{component} but the open component is {open} (line {at})"),
                        );
                    }
                    None => return err(*line, format!("END:{component} without a BEGIN")),
                }
                if component == "VEVENT" {
                    event.take().expect("begun").into_holidays(&mut out)?;
                }
            }
            _ => {
                if let (Some(ev), Some((top, _))) = (event.as_mut(), stack.last())
                    && top == "VEVENT"
                {
                    ev.take(c)?;
                }
            }
        }
        if stack.is_empty() {
            // Anything after END:VCALENDAR is ignored.
            break;
        }
    }
    if let Some((open, at)) = stack.last() {
        let last = lines.last().map_or(1, |(l, _)| *l);
        return err(last, format!("BEGIN:{open} at line {at} is never ended"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const FIXTURE: &str = include_str!("../../tests/fixtures/vn-holidays-2026.ics");

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn days(name: &str, first: Date, last: Date, repeat: Repeat) -> Holiday {
        Holiday {
            name: name.into(),
            closure: Closure::Days { first, last },
            repeat,
        }
    }

    const YEARLY: Repeat = Repeat::Yearly { until: None };

    #[test]
    fn reads_the_vietnamese_public_holidays_fixture() {
        let got = parse_ics_holidays(FIXTURE).unwrap();
        let want = vec![
            days("Tết Dương lịch", date(2026, 1, 1), date(2026, 1, 1), YEARLY),
            // DTEND 20260221 is exclusive: the last day off is Friday 20 February.
            days(
                "Tết Nguyên Đán Bính Ngọ",
                date(2026, 2, 16),
                date(2026, 2, 20),
                Repeat::Once,
            ),
            // 14:00–18:00 at +07:00 is 07:00–11:00Z; the VALARM's DESCRIPTION and TRIGGER are
            // the alarm's, not the event's.
            span(
                "Tất niên công ty (nghỉ từ 14:00)".into(),
                ts("2026-02-13T07:00:00Z"),
                ts("2026-02-13T11:00:00Z"),
            ),
            // No DTEND: one day.
            days(
                "Giỗ Tổ Hùng Vương (10/3 Âm lịch)",
                date(2026, 4, 26),
                date(2026, 4, 26),
                Repeat::Once,
            ),
            days(
                "Nghỉ bù Giỗ Tổ Hùng Vương",
                date(2026, 4, 27),
                date(2026, 4, 27),
                Repeat::Once,
            ),
            // DURATION:P1D, and `\,` unescaped.
            days(
                "Ngày Giải phóng miền Nam, thống nhất đất nước",
                date(2026, 4, 30),
                date(2026, 4, 30),
                YEARLY,
            ),
            days(
                "Ngày Quốc tế Lao động",
                date(2026, 5, 1),
                date(2026, 5, 1),
                YEARLY,
            ),
            // The cancelled 2 May event is skipped. UTC and DURATION:PT2H:
            span(
                "Bảo trì tổng đài".into(),
                ts("2026-06-15T01:00:00Z"),
                ts("2026-06-15T03:00:00Z"),
            ),
            days(
                "Quốc khánh 2/9",
                date(2026, 9, 1),
                date(2026, 9, 2),
                Repeat::Once,
            ),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn unfolds_lines_with_lf_endings_and_tabs() {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2026\n 0902\nSUMMARY:Qu\n\tốc khánh\\; ngày \n lễ\nEND:VEVENT\nEND:VCALENDAR\n";
        let got = parse_ics_holidays(text).unwrap();
        assert_eq!(
            got,
            vec![days(
                "Quốc khánh; ngày lễ",
                date(2026, 9, 2),
                date(2026, 9, 2),
                Repeat::Once
            )]
        );
    }

    fn wrap(body: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n")
    }

    fn event(props: &str) -> String {
        wrap(&format!("BEGIN:VEVENT\r\n{props}END:VEVENT\r\n"))
    }

    #[test]
    fn yearly_rules_and_time_zones() {
        // COUNT on 29 February counts leap years only: the 2nd occurrence is 2028-02-29.
        let got = parse_ics_holidays(&event(
            "DTSTART;VALUE=DATE:20240229\r\nRRULE:FREQ=YEARLY;COUNT=2\r\n",
        ))
        .unwrap();
        assert_eq!(
            got[0].repeat,
            Repeat::Yearly {
                until: Some(date(2028, 2, 29))
            }
        );
        // UNTIL as a UTC date-time.
        let got = parse_ics_holidays(&event(
            "DTSTART;VALUE=DATE:20261225\r\nRRULE:FREQ=YEARLY;UNTIL=20301231T000000Z\r\n",
        ))
        .unwrap();
        assert_eq!(
            got[0].repeat,
            Repeat::Yearly {
                until: Some(date(2030, 12, 31))
            }
        );
        // A timed yearly event with COUNT becomes one closure per year, each in its zone's
        // offset of that day (Berlin is +01:00 on 24 December).
        let got = parse_ics_holidays(&event(
            "DTSTART;TZID=\"/mozilla.org/20050126_1/Europe/Berlin\":20261224T120000\r\n\
             DTEND;TZID=Europe/Berlin:20261224T170000\r\nRRULE:FREQ=YEARLY;COUNT=3\r\n\
             SUMMARY:Heiligabend\r\n",
        ))
        .unwrap();
        let starts: Vec<_> = got
            .iter()
            .map(|h| match h.closure {
                Closure::Span { start, end } => (start.to_string(), end.to_string()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            starts,
            [
                ("2026-12-24T11:00:00Z", "2026-12-24T16:00:00Z"),
                ("2027-12-24T11:00:00Z", "2027-12-24T16:00:00Z"),
                ("2028-12-24T11:00:00Z", "2028-12-24T16:00:00Z"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        // DTEND equal to DTSTART for a date: read as one day. A timed event without an end
        // closes nothing.
        let got = parse_ics_holidays(&event(
            "DTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20260101\r\n",
        ))
        .unwrap();
        assert_eq!(
            got[0].closure,
            Closure::Days {
                first: date(2026, 1, 1),
                last: date(2026, 1, 1)
            }
        );
        assert!(
            parse_ics_holidays(&event("DTSTART:20260101T090000Z\r\n"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn errors_name_the_line_and_the_reason() {
        let cases: Vec<(String, usize, &str)> = vec![
            (
                "<!DOCTYPE html>\n<html>".into(),
                1,
                "starts with BEGIN:VCALENDAR",
            ),
            ("".into(), 1, "the file is empty"),
            // Line 4 is the DTSTART.
            (
                event("DTSTART;VALUE=DATE:20260231\r\n"),
                4,
                "`20260231` is not a date",
            ),
            (
                event("DTSTART;VALUE=DATE:20260216\r\nDTEND;VALUE=DATE:20260210\r\n"),
                5,
                "DTEND 2026-02-10 is before DTSTART 2026-02-16",
            ),
            (
                event("DTSTART:20260213T140000\r\nDTEND:20260213T180000\r\n"),
                4,
                "floating local time",
            ),
            (
                event("DTSTART;TZID=Saigon Standard Time:20260213T140000\r\nDURATION:PT1H\r\n"),
                4,
                "TZID=`Saigon Standard Time`, which is not an IANA time zone",
            ),
            (
                event("DTSTART;VALUE=DATE:20261126\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH\r\n"),
                5,
                "RRULE BYDAY=4TH is not supported",
            ),
            (
                event("DTSTART;VALUE=DATE:20260105\r\nRRULE:FREQ=WEEKLY\r\n"),
                5,
                "FREQ=WEEKLY is not supported",
            ),
            (
                event(
                    "DTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=YEARLY\r\nEXDATE;VALUE=DATE:20270101\r\n",
                ),
                6,
                "EXDATE is not supported",
            ),
            (
                event(
                    "DTSTART;TZID=Asia/Ho_Chi_Minh:20260213T140000\r\nDURATION:PT1H\r\nRRULE:FREQ=YEARLY\r\n",
                ),
                6,
                "needs COUNT or UNTIL",
            ),
            (event("SUMMARY:x\r\n"), 3, "this VEVENT has no DTSTART"),
            (
                event("DTSTART;VALUE=DATE:20260101\r\nDTSTART;VALUE=DATE:20260102\r\n"),
                5,
                "a second DTSTART in the VEVENT begun at line 3",
            ),
            (
                event("DTSTART;VALUE=DATE:20260101\r\nthis is not ical\r\n"),
                5,
                "is not a content line",
            ),
            (
                event("DTSTART;VALUE=DATE:20260101\r\nDTEND:20260102T000000Z\r\n"),
                5,
                "DTEND is a date-time but DTSTART is a date",
            ),
            (
                event("DTSTART:20260101T100000Z\r\nDTEND:20260101T090000Z\r\n"),
                5,
                "ends (2026-01-01T09:00:00+00:00[UTC]) no later than it starts",
            ),
            (
                event("DTSTART;VALUE=DATE:20260101\r\nDURATION:PT5H\r\n"),
                5,
                "must be whole days",
            ),
            (
                wrap("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nEND:VTODO\r\n"),
                5,
                "END:VTODO but the open component is VEVENT (line 3)",
            ),
            (
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\n".into(),
                3,
                "BEGIN:VEVENT at line 2 is never ended",
            ),
            // Line numbers count physical lines: the folded DTSTART starts on line 5.
            (
                event("SUMMARY:a\r\nDTSTART;VALUE=DATE:2026\r\n 1301\r\n"),
                5,
                "`20261301` is not a date",
            ),
        ];
        for (text, line, why) in cases {
            let e = parse_ics_holidays(&text).unwrap_err();
            assert!(
                e.line == line && e.reason.contains(why),
                "want line {line} `{why}`, got {e}\n{text}"
            );
            assert!(e.to_string().starts_with(&format!("line {line}: ")));
        }
    }
}
