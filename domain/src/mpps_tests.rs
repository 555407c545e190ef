//! Tests of the MPPS rules: N-CREATE's required attributes and status, N-SET's state machine.

use super::*;

fn v(s: &str) -> Attr {
    Attr::Value(s.into())
}

fn create() -> PpsAttrs {
    PpsAttrs {
        status: v("IN PROGRESS"),
        pps_id: v("PPS1"),
        station_ae: v("CT1"),
        start_date: v("20261207"),
        start_time: v("101500"),
        modality: v("CT"),
        scheduled: Some(vec![ScheduledStep {
            study_uid: v("1.2.3"),
            ..Default::default()
        }]),
        ..Default::default()
    }
}

const OPEN: Stored = Stored {
    status: PpsStatus::InProgress,
    has_end: false,
    has_series: false,
};

fn series() -> Option<Vec<PerformedSeries>> {
    Some(vec![PerformedSeries {
        series_uid: v("1.2.3.4"),
        description: String::new(),
        instances: vec![("1.2.840.10008.5.1.4.1.1.2".into(), "1.2.3.4.5".into())],
    }])
}

#[test]
fn a_complete_create_passes() {
    assert_eq!(check_create(&create()), Ok(()));
}

#[test]
fn create_names_the_missing_or_empty_attribute() {
    let mut a = create();
    a.pps_id = Attr::Absent;
    let e = check_create(&a).expect_err("refused");
    assert_eq!((e.status(), e.tag()), (0x0120, Some(PPS_ID)));
    assert!(e.to_string().contains("(0040,0253)"), "{e}");
    let mut a = create();
    a.modality = Attr::Empty;
    assert_eq!(check_create(&a), Err(PpsError::Empty(MODALITY)));
    let mut a = create();
    a.scheduled = None;
    assert_eq!(check_create(&a), Err(PpsError::Missing(SCHEDULED_STEPS)));
    let mut a = create();
    a.scheduled = Some(vec![ScheduledStep::default()]);
    assert_eq!(check_create(&a), Err(PpsError::Missing(STUDY_UID)));
}

#[test]
fn create_must_be_in_progress_with_valid_dates() {
    let mut a = create();
    a.status = v("COMPLETED");
    assert_eq!(check_create(&a).expect_err("refused").status(), 0x0106);
    let mut a = create();
    a.start_date = v("2026-12-07");
    assert_eq!(
        check_create(&a).expect_err("refused").tag(),
        Some(START_DATE)
    );
    let mut a = create();
    a.start_time = v("1015.5");
    assert_eq!(check_create(&a), Ok(()), "HHMM with a fraction is a TM");
    a.start_time = v("1");
    assert_eq!(
        check_create(&a).expect_err("refused").tag(),
        Some(START_TIME)
    );
}

#[test]
fn set_after_a_final_status_is_0110() {
    for s in [PpsStatus::Completed, PpsStatus::Discontinued] {
        let cur = Stored { status: s, ..OPEN };
        let e = check_set(cur, &PpsAttrs::default()).expect_err("refused");
        assert_eq!(e.status(), 0x0110);
        assert!(e.to_string().contains("may no longer be updated"));
    }
}

#[test]
fn completing_needs_end_and_series() {
    let mut a = PpsAttrs {
        status: v("COMPLETED"),
        ..Default::default()
    };
    assert_eq!(check_set(OPEN, &a), Err(PpsError::Missing(END_DATE)));
    a.end_date = v("20261207");
    a.end_time = v("103000");
    assert_eq!(
        check_set(OPEN, &a),
        Err(PpsError::Missing(PERFORMED_SERIES))
    );
    a.series = Some(vec![]);
    assert_eq!(check_set(OPEN, &a), Err(PpsError::Empty(PERFORMED_SERIES)));
    a.series = series();
    assert_eq!(check_set(OPEN, &a), Ok(PpsStatus::Completed));
    let listed = Stored {
        has_end: true,
        has_series: true,
        ..OPEN
    };
    let bare = PpsAttrs {
        status: v("COMPLETED"),
        ..Default::default()
    };
    assert_eq!(check_set(listed, &bare), Ok(PpsStatus::Completed));
}

#[test]
fn discontinuing_needs_no_series_and_unknown_terms_are_refused() {
    let a = PpsAttrs {
        status: v("DISCONTINUED"),
        end_date: v("20261207"),
        end_time: v("1030"),
        ..Default::default()
    };
    assert_eq!(check_set(OPEN, &a), Ok(PpsStatus::Discontinued));
    let bad = PpsAttrs {
        status: v("DONE"),
        ..Default::default()
    };
    assert_eq!(check_set(OPEN, &bad).expect_err("refused").status(), 0x0106);
    let keep = PpsAttrs {
        series: series(),
        ..Default::default()
    };
    assert_eq!(check_set(OPEN, &keep), Ok(PpsStatus::InProgress));
    let mut no_uid = keep.clone();
    no_uid.series = Some(vec![PerformedSeries::default()]);
    assert_eq!(check_set(OPEN, &no_uid), Err(PpsError::Missing(SERIES_UID)));
}

#[test]
fn the_order_follows_its_steps() {
    use PpsStatus::*;
    assert_eq!(order_status(&[]), None);
    assert_eq!(order_status(&[InProgress]), Some(OrderStatus::InProgress));
    assert_eq!(
        order_status(&[Discontinued, InProgress]),
        Some(OrderStatus::InProgress),
        "a step redone after one was stopped"
    );
    assert_eq!(
        order_status(&[Discontinued, Completed]),
        Some(OrderStatus::Completed)
    );
    assert_eq!(
        order_status(&[Discontinued]),
        Some(OrderStatus::Discontinued)
    );
    assert_eq!(Attr::of(Some("  ")), Attr::Empty);
    assert_eq!(Attr::of(None), Attr::Absent);
    assert_eq!(PpsStatus::from_dicom("IN PROGRESS "), Some(InProgress));
}
