//! A calendar date without time zone (birth dates, licence and credential expiries), read from
//! `YYYY-MM-DD` (forms, JSON) or `YYYYMMDD` (DICOM DA, HL7 DT), written as `YYYY-MM-DD`.

use super::{FieldError, FieldName, Problem, bad};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A valid date of the proleptic Gregorian calendar, years 1800–9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CivilDate {
    y: u16,
    m: u8,
    d: u8,
}

fn leap(y: u16) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// Days in month `m` of year `y`.
pub(crate) fn month_days(y: u16, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

impl CivilDate {
    /// 1970-01-01.
    pub const EPOCH: CivilDate = CivilDate {
        y: 1970,
        m: 1,
        d: 1,
    };

    pub fn new(y: u16, m: u8, d: u8) -> Option<Self> {
        ((1800..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= month_days(y, m))
            .then_some(Self { y, m, d })
    }

    /// `YYYY-MM-DD` or `YYYYMMDD`; an HL7 TS (`YYYYMMDDHHMM…`) keeps its date part.
    pub fn parse(field: FieldName, raw: &str) -> Result<Self, FieldError> {
        let v = raw.trim();
        let digits: String = if v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-'
        {
            v.chars().filter(|c| *c != '-').collect()
        } else {
            v.chars().take(8).collect()
        };
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return bad(
                field,
                Problem::BadFormat {
                    expected: "YYYY-MM-DD".into(),
                },
            );
        }
        let n = |a: usize, b: usize| digits[a..b].parse::<u16>().unwrap_or(0);
        let (y, m, d) = (n(0, 4), n(4, 6), n(6, 8));
        match (u8::try_from(m), u8::try_from(d)) {
            (Ok(m), Ok(d)) => Self::new(y, m, d).ok_or(FieldError::new(field, Problem::BadDate)),
            _ => bad(field, Problem::BadDate),
        }
    }

    pub fn year(self) -> u16 {
        self.y
    }
    pub fn month(self) -> u8 {
        self.m
    }
    pub fn day(self) -> u8 {
        self.d
    }

    /// `YYYYMMDD` (DICOM DA, HL7 DT).
    pub fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.y, self.m, self.d)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        let (y, m, d) = (i64::from(self.y), i64::from(self.m), i64::from(self.d));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date of `days` since 1970-01-01 (`None` outside the supported years).
    pub fn from_days_since_epoch(days: i64) -> Option<Self> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Self::new(
            u16::try_from(y).ok()?,
            u8::try_from(m).ok()?,
            u8::try_from(d).ok()?,
        )
    }

    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub fn iso_weekday(self) -> u8 {
        // 1970-01-01 was a Thursday (4).
        let w = (self.days_since_epoch() + 3).rem_euclid(7) + 1;
        u8::try_from(w).unwrap_or(1)
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

/// A wall-clock time of day on a date, as typed in a form (`YYYY-MM-DDTHH:MM`) or sent in HL7
/// (TS / DTM `YYYYMMDD[HHMM[SS[.S]]][±ZZZZ]`). Without an offset it is America/Montreal time;
/// the server turns it into an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LocalDateTime {
    pub date: CivilDate,
    /// Minutes since midnight, 0–1439.
    pub minute: u16,
    pub second: u8,
    /// Minutes east of UTC when the text gave one (HL7 `-0500`).
    pub offset_minutes: Option<i16>,
}

fn shape(field: FieldName) -> FieldError {
    FieldError::new(
        field,
        Problem::BadFormat {
            expected: "YYYY-MM-DD HH:MM".into(),
        },
    )
}

fn two(s: &str, at: usize) -> Option<u16> {
    s.get(at..at + 2)
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
}

/// `±HHMM` at the end of an HL7 time, split off.
fn split_offset(v: &str) -> (&str, Option<i16>) {
    match v.rfind(['+', '-']) {
        Some(i) if i >= 8 && v.len() - i == 5 => {
            let sign = if v.as_bytes()[i] == b'-' { -1 } else { 1 };
            let hh = two(v, i + 1);
            let mm = two(v, i + 3);
            match (hh, mm) {
                (Some(h), Some(m)) if h <= 14 && m < 60 => {
                    let total = i16::try_from(h * 60 + m).unwrap_or(0);
                    (&v[..i], Some(sign * total))
                }
                _ => (v, None),
            }
        }
        _ => (v, None),
    }
}

impl LocalDateTime {
    pub fn new(date: CivilDate, minute: u16) -> Self {
        Self {
            date,
            minute: minute.min(1439),
            second: 0,
            offset_minutes: None,
        }
    }

    pub fn parse(field: FieldName, raw: &str) -> Result<Self, FieldError> {
        let v = raw.trim();
        if v.is_empty() {
            return bad(field, Problem::Required);
        }
        let iso =
            v.len() >= 16 && v.as_bytes()[4] == b'-' && matches!(v.as_bytes()[10], b'T' | b' ');
        let (date_part, time): (&str, String) = if iso {
            (&v[..10], v[11..].replace(':', ""))
        } else {
            let (body, _) = split_offset(v);
            (
                body.get(..8).ok_or_else(|| shape(field))?,
                body[8..].to_owned(),
            )
        };
        let date = CivilDate::parse(field, date_part)?;
        let time = time.split('.').next().unwrap_or("").to_owned();
        if !time.bytes().all(|b| b.is_ascii_digit()) || ![0, 2, 4, 6].contains(&time.len()) {
            return Err(shape(field));
        }
        let h = two(&time, 0).unwrap_or(0);
        let m = two(&time, 2).unwrap_or(0);
        let s = two(&time, 4).unwrap_or(0);
        if h > 23 || m > 59 || s > 59 {
            return Err(shape(field));
        }
        let offset_minutes = if iso { None } else { split_offset(v).1 };
        Ok(Self {
            date,
            minute: h * 60 + m,
            second: u8::try_from(s).unwrap_or(0),
            offset_minutes,
        })
    }

    pub fn minute_of_day(self) -> u16 {
        self.minute
    }

    /// `YYYY-MM-DDTHH:MM`, the value of an HTML `datetime-local` input.
    pub fn input_value(self) -> String {
        format!(
            "{}T{:02}:{:02}",
            self.date,
            self.minute / 60,
            self.minute % 60
        )
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:02}:{:02}",
            self.date,
            self.minute / 60,
            self.minute % 60
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for CivilDate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for CivilDate {}

impl Serialize for CivilDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CivilDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CivilDate::parse(FieldName::BirthDate, &s).map_err(|e| serde::de::Error::custom(e.problem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms_and_checks_the_calendar() {
        let f = FieldName::BirthDate;
        let d = CivilDate::parse(f, "1985-01-15").expect("iso");
        assert_eq!(d, CivilDate::parse(f, "19850115").expect("compact"));
        assert_eq!(d.to_string(), "1985-01-15");
        assert_eq!(d.compact(), "19850115");
        assert_eq!(
            CivilDate::parse(f, "200402291230").map(|d| d.day()),
            Ok(29),
            "TS keeps its date"
        );
        assert_eq!(
            CivilDate::parse(f, "2023-02-29").map_err(|e| e.problem),
            Err(Problem::BadDate)
        );
        assert!(CivilDate::parse(f, "1985/01/15").is_err());
        assert!(CivilDate::parse(f, "").is_err());
        assert!(CivilDate::parse(f, "17990101").is_err());
    }

    #[test]
    fn local_times_from_forms_and_hl7() {
        let f = FieldName::ScheduledAt;
        let t = LocalDateTime::parse(f, "2026-12-07T14:30").expect("form");
        assert_eq!(
            (t.date.to_string(), t.minute, t.offset_minutes),
            ("2026-12-07".into(), 870, None)
        );
        assert_eq!(t.input_value(), "2026-12-07T14:30");
        assert_eq!(t.to_string(), "2026-12-07 14:30");
        let h = LocalDateTime::parse(f, "202612071430").expect("hl7");
        assert_eq!(h.minute, 870);
        let z = LocalDateTime::parse(f, "20261207143015.25-0500").expect("with offset");
        assert_eq!((z.second, z.offset_minutes), (15, Some(-300)));
        assert_eq!(LocalDateTime::parse(f, "20261207").map(|d| d.minute), Ok(0));
        assert!(
            LocalDateTime::parse(f, "2026120714").is_ok(),
            "hour precision"
        );
        assert!(LocalDateTime::parse(f, "202612071461").is_err());
        assert!(LocalDateTime::parse(f, "2026-12-07T25:00").is_err());
        assert!(LocalDateTime::parse(f, "").is_err());
        assert!(LocalDateTime::parse(f, "2026-12-07 14h30").is_err());
    }

    #[test]
    fn epoch_days_round_trip_and_weekday() {
        for days in [-60_000, -1, 0, 1, 19_000, 20_429, 2_900_000] {
            let d = CivilDate::from_days_since_epoch(days).expect("date");
            assert_eq!(d.days_since_epoch(), days);
        }
        let d = CivilDate::new(2026, 12, 7).expect("date");
        assert_eq!(d.iso_weekday(), 1, "2026-12-07 is a Monday");
        assert_eq!(
            CivilDate::new(1970, 1, 1).map(CivilDate::days_since_epoch),
            Some(0)
        );
    }
}
