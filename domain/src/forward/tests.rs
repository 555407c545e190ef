//! Tests of the forward policy: job states, status classification, backoff.

use super::*;

#[test]
fn job_states_round_trip() {
    for s in JobState::ALL {
        assert_eq!(JobState::parse(s.as_str()), Ok(*s));
        assert_eq!(s.to_string().parse::<JobState>(), Ok(*s));
        let json = serde_json::to_string(s).expect("json");
        assert_eq!(json, format!("\"{}\"", s.as_str()));
    }
    assert_eq!(JobState::InFlight.as_str(), "in_flight");
    let err = JobState::parse("IN_FLIGHT").expect_err("case matters in the database");
    assert_eq!(err.code(), "unknown_state");
    assert!(JobState::Dead.is_final() && !JobState::Held.is_final());
}

#[test]
fn dimse_statuses() {
    use Verdict::*;
    for (status, expected) in [
        (0x0000, Success),
        (0xB000, Success),
        (0xB006, Success),
        (0xB007, Success),
        (0x0107, Success),
        (0xA700, Transient),
        (0xA7FF, Transient),
        (0x0110, Transient),
        (0x0213, Transient),
        (0xFE00, Transient),
        (0xA900, Permanent),
        (0xA9FF, Permanent),
        (0xC000, Permanent),
        (0xCFFF, Permanent),
        (0x0122, Permanent),
        (0x0117, Permanent),
        (0x0124, Permanent),
        (0x0211, Permanent),
        (0x0111, Permanent),
        (0xA800, Permanent),
        (0xFF00, Permanent),
    ] {
        assert_eq!(classify_dimse(status), expected, "{status:#06X}");
    }
    assert_eq!(describe_dimse(0xA701), "refused: out of resources");
    assert_eq!(
        describe_dimse(0xB007),
        "warning: data set does not match SOP class"
    );
}

#[test]
fn http_statuses() {
    use Verdict::*;
    for (status, expected) in [
        (200, Success),
        (202, Success),
        (204, Success),
        (408, Transient),
        (429, Transient),
        (500, Transient),
        (503, Transient),
        (599, Transient),
        (400, Permanent),
        (401, Permanent),
        (404, Permanent),
        (409, Permanent),
        (415, Permanent),
        (301, Permanent),
        (100, Permanent),
    ] {
        assert_eq!(classify_http(status), expected, "{status}");
    }
}

#[test]
fn verdicts_become_failures() {
    assert_eq!(Verdict::Success.failure("x"), None);
    let f = Verdict::Transient
        .failure("A700 out of resources")
        .expect("failure");
    assert!(f.is_transient());
    assert_eq!(f.message(), "A700 out of resources");
    assert!(
        !Verdict::Permanent
            .failure("no")
            .expect("failure")
            .is_transient()
    );
    let json = serde_json::to_string(&f).expect("json");
    assert_eq!(
        json,
        r#"{"kind":"transient","message":"A700 out of resources"}"#
    );
}

#[test]
fn backoff_grows_then_caps() {
    let p = RetryPolicy::default();
    assert_eq!(
        (p.base_seconds, p.max_seconds, p.max_attempts),
        (5, 600, 20)
    );
    for (attempt, full_ms) in [
        (0, 5_000),
        (1, 5_000),
        (2, 10_000),
        (3, 20_000),
        (7, 320_000),
        (8, 600_000),
        (20, 600_000),
        (63, 600_000),
        (64, 600_000),
        (u32::MAX, 600_000),
    ] {
        assert_eq!(p.next_delay_ms(attempt, 1.0), full_ms, "{attempt}");
        assert!(p.next_delay_ms(attempt, 0.999_999) < full_ms, "{attempt}");
        assert_eq!(p.next_delay_ms(attempt, 0.0), full_ms / 2, "{attempt}");
    }
}

#[test]
fn jitter_stays_within_half_and_all() {
    let p = RetryPolicy {
        base_seconds: 3,
        max_seconds: u32::MAX,
        max_attempts: 5,
    };
    for attempt in [1, 5, 30, 40, 100] {
        let full = p.next_delay_ms(attempt, 1.0);
        for jitter in [
            0.0,
            0.1,
            0.5,
            0.9,
            0.999,
            -3.0,
            7.0,
            f64::NAN,
            f64::INFINITY,
        ] {
            let d = p.next_delay_ms(attempt, jitter);
            assert!(d >= full / 2 && d <= full, "{attempt} {jitter} {d} {full}");
        }
    }
    assert_eq!(
        p.next_delay_ms(100, 1.0),
        u64::from(u32::MAX) * 1000,
        "saturates at the cap"
    );
    assert_eq!(p.next_delay_ms(2, f64::NAN), 3_000, "NaN counts as 0");
}

#[test]
fn attempts_run_out() {
    let p = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    assert!(!p.exhausted(0));
    assert!(!p.exhausted(2));
    assert!(p.exhausted(3));
    assert!(p.exhausted(4));
}

#[test]
fn policy_validation() {
    assert_eq!(RetryPolicy::default().validate(), Ok(()));
    let at = |base, max, attempts| RetryPolicy {
        base_seconds: base,
        max_seconds: max,
        max_attempts: attempts,
    };
    for (policy, expected) in [
        (at(1, 1, 1), Ok(())),
        (at(0, 0, 0), Err("base_too_small")),
        (at(10, 5, 1), Err("max_below_base")),
        (at(5, 600, 0), Err("no_attempts")),
    ] {
        assert_eq!(
            policy.validate().map_err(|e| e.code()),
            expected,
            "{policy:?}"
        );
    }
    assert_eq!(
        at(10, 5, 1).validate().map_err(|e| e.to_string()),
        Err("the maximum retry delay (5 s) must be at least the base delay (10 s)".into())
    );
    let partial: RetryPolicy = serde_json::from_str(r#"{"max_attempts":3}"#).expect("json");
    assert_eq!(
        partial,
        RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        }
    );
}
