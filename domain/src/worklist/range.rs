//! Date and time range matching (PS3.4 §C.2.2.2.5): `D1-D2` inclusive, `-D2` up to, `D1-` from,
//! or a single value. A time of partial precision covers its whole span: as a start `14`
//! means 14:00:00.000000, as an end 14:59:59.999999, and a single `1430` the whole minute.

/// A malformed date or time key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("a date is YYYYMMDD, or a range YYYYMMDD-YYYYMMDD")]
    Date,
    #[error("a time is HH, HHMM, HHMMSS or HHMMSS.FFFFFF, or a range of them")]
    Time,
    #[error("the range starts after it ends")]
    Reversed,
}

/// Dates as YYYYMMDD numbers, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<u32>,
    pub to: Option<u32>,
}

fn date(s: &str) -> Result<u32, RangeError> {
    let s = s.trim();
    let ok = s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit());
    let n: u32 = s.parse().ok().filter(|_| ok).ok_or(RangeError::Date)?;
    let (m, d) = ((n / 100) % 100, n % 100);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(RangeError::Date);
    }
    Ok(n)
}

/// A range's start and end, either open.
type Ends<T> = (Option<T>, Option<T>);

/// The two ends of a range value (§C.2.2.2.5): `span` gives the first and last instant a
/// single value covers; a range starts at its start's first and ends at its end's last.
/// `None` when empty (universal); `empty` when both sides are blank (`-`).
fn bounds<T: Copy + Ord>(
    raw: &str,
    span: impl Fn(&str) -> Result<(T, T), RangeError>,
    empty: RangeError,
) -> Result<Option<Ends<T>>, RangeError> {
    let raw = raw.trim_matches([' ', '\0']);
    if raw.is_empty() {
        return Ok(None);
    }
    let (from, to) = match raw.split_once('-') {
        None => {
            let (a, b) = span(raw)?;
            (Some(a), Some(b))
        }
        Some((a, b)) => {
            let side = |s: &str| (!s.trim().is_empty()).then(|| span(s)).transpose();
            (side(a)?.map(|x| x.0), side(b)?.map(|x| x.1))
        }
    };
    if from.is_none() && to.is_none() {
        return Err(empty);
    }
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        return Err(RangeError::Reversed);
    }
    Ok(Some((from, to)))
}

impl DateRange {
    /// `None` for universal matching (empty).
    pub fn parse(raw: &str) -> Result<Option<Self>, RangeError> {
        let day = |s: &str| date(s).map(|d| (d, d));
        Ok(bounds(raw, day, RangeError::Date)?.map(|(from, to)| Self { from, to }))
    }

    /// Whether the YYYYMMDD `value` falls in the range (an unreadable value does not).
    pub fn contains(&self, value: &str) -> bool {
        let Ok(v) = date(value) else { return false };
        self.from.is_none_or(|f| v >= f) && self.to.is_none_or(|t| v <= t)
    }
}

/// Times as microseconds since midnight, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub from: Option<u64>,
    pub to: Option<u64>,
}

/// The span `[start, end]` in microseconds a time value of any precision covers.
fn time_span(s: &str) -> Result<(u64, u64), RangeError> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !matches!(whole.len(), 2 | 4 | 6) || !digits(whole) || frac.len() > 6 || !digits(frac) {
        return Err(RangeError::Time);
    }
    if !frac.is_empty() && whole.len() != 6 {
        return Err(RangeError::Time);
    }
    let part = |i: usize| whole.get(i..i + 2).and_then(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (part(0).unwrap_or(0), part(2), part(4));
    if h > 23 || m.is_some_and(|m| m > 59) || sec.is_some_and(|s| s > 60) {
        return Err(RangeError::Time);
    }
    let start_s = h * 3600 + m.unwrap_or(0) * 60 + sec.unwrap_or(0);
    let span_s = match (m, sec) {
        (None, _) => 3600,
        (Some(_), None) => 60,
        _ => 1,
    };
    let frac_us = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}")
            .parse::<u64>()
            .map_err(|_| RangeError::Time)?
    };
    let start = start_s * 1_000_000 + frac_us;
    let end = if frac.is_empty() {
        (start_s + span_s) * 1_000_000 - 1
    } else {
        start
    };
    Ok((start, end))
}

impl TimeRange {
    /// `None` for universal matching (empty).
    pub fn parse(raw: &str) -> Result<Option<Self>, RangeError> {
        Ok(bounds(raw, time_span, RangeError::Time)?.map(|(from, to)| Self { from, to }))
    }

    /// Whether the time `value` (its first instant) falls in the range.
    pub fn contains(&self, value: &str) -> bool {
        let Ok((v, _)) = time_span(value) else {
            return false;
        };
        self.from.is_none_or(|f| v >= f) && self.to.is_none_or(|t| v <= t)
    }
}
