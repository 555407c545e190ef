//! Local wall-clock time for time-of-day routing rules: the system time zone (`TZ`, else
//! /etc/localtime), e.g. America/Toronto for Quebec sites.

/// Minutes since local midnight (0..1440).
pub fn local_minute_of_day() -> u16 {
    let now = jiff::Zoned::now();
    (now.hour() as u16) * 60 + now.minute() as u16
}
