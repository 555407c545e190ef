//! Clinic time: every wall-clock time the registry shows or reads (scheduled exams, "today's
//! orders", availability) is America/Montreal time, whatever the server's own time zone.

use domain::registry::{CivilDate, LocalDateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

/// The time zone of Quebec's clinics.
pub const ZONE: &str = "America/Montreal";

fn tz() -> TimeZone {
    // The zone is bundled (jiff `tzdb-bundle-always`), so this only fails on a broken build.
    TimeZone::get(ZONE).unwrap_or(TimeZone::UTC)
}

fn zoned(ts: i64) -> Zoned {
    Timestamp::from_second(ts)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz())
}

fn civil(d: CivilDate, minute: u16, second: u8) -> Option<jiff::civil::DateTime> {
    jiff::civil::DateTime::new(
        i16::try_from(d.year()).ok()?,
        i8::try_from(d.month()).ok()?,
        i8::try_from(d.day()).ok()?,
        i8::try_from(minute / 60).ok()?,
        i8::try_from(minute % 60).ok()?,
        i8::try_from(second).ok()?,
        0,
    )
    .ok()
}

/// The instant (Unix seconds) of a local time: with its own UTC offset when it gave one, else
/// in Montreal time (a time in the spring-forward gap moves forward, as clocks do).
pub fn instant(l: LocalDateTime) -> i64 {
    let Some(dt) = civil(l.date, l.minute, l.second) else {
        return 0;
    };
    match l.offset_minutes {
        Some(off) => {
            let offset = jiff::tz::Offset::from_seconds(i32::from(off) * 60)
                .unwrap_or(jiff::tz::Offset::UTC);
            offset.to_timestamp(dt).map(|t| t.as_second()).unwrap_or(0)
        }
        None => dt
            .to_zoned(tz())
            .map(|z| z.timestamp().as_second())
            .unwrap_or(0),
    }
}

/// The Montreal date of an instant.
pub fn date_of(ts: i64) -> CivilDate {
    let z = zoned(ts);
    CivilDate::new(
        u16::try_from(z.year()).unwrap_or(1970),
        u8::try_from(z.month()).unwrap_or(1),
        u8::try_from(z.day()).unwrap_or(1),
    )
    .unwrap_or(CivilDate::EPOCH)
}

/// The Montreal wall-clock time of an instant.
pub fn local(ts: i64) -> LocalDateTime {
    let z = zoned(ts);
    let minute = u16::try_from(i32::from(z.hour()) * 60 + i32::from(z.minute())).unwrap_or(0);
    LocalDateTime::new(date_of(ts), minute)
}

/// `YYYY-MM-DD HH:MM`, Montreal time.
pub fn text(ts: i64) -> String {
    local(ts).to_string()
}

/// Now as an HL7 TS with its offset (`YYYYMMDDHHMMSS-0500`), Montreal time.
pub fn hl7_now() -> String {
    Timestamp::now()
        .to_zoned(tz())
        .strftime("%Y%m%d%H%M%S%z")
        .to_string()
}

/// Today in Montreal.
pub fn today() -> CivilDate {
    date_of(Timestamp::now().as_second())
}

/// The instants a Montreal day starts and ends (the next day's start).
pub fn day_bounds(from: CivilDate, to: CivilDate) -> (i64, i64) {
    let start = instant(LocalDateTime::new(from, 0));
    let next = CivilDate::from_days_since_epoch(to.days_since_epoch() + 1).unwrap_or(to);
    (start, instant(LocalDateTime::new(next, 0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::registry::FieldName;

    fn lt(s: &str) -> LocalDateTime {
        LocalDateTime::parse(FieldName::ScheduledAt, s).expect("time")
    }

    #[test]
    fn montreal_time_both_ways() {
        // 2026-12-07 14:30 EST (UTC−5) is 19:30 UTC.
        let ts = instant(lt("2026-12-07T14:30"));
        assert_eq!(ts, 1_796_671_800);
        assert_eq!(text(ts), "2026-12-07 14:30");
        // Summer: EDT (UTC−4).
        assert_eq!(instant(lt("2026-07-01T12:00")) % 86_400, 16 * 3600);
        assert_eq!(instant(lt("202612071430-0500")), ts);
        assert_eq!(instant(lt("202612071930+0000")), ts);
        let d = CivilDate::new(2026, 12, 7).expect("date");
        let (a, b) = day_bounds(d, d);
        assert_eq!(b - a, 86_400);
        assert_eq!(date_of(a), d);
        assert_eq!(date_of(b - 1), d);
    }
}
