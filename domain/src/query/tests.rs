//! Table tests of the query model: validation, keys per level and model, merging, statuses.

use super::keys::{PATIENT_ID, PATIENT_NAME, QUERY_RETRIEVE_LEVEL, STUDY_DATE};
use super::*;

fn value(keys: &[Key], tag: u32) -> Option<&str> {
    keys.iter().find(|k| k.tag == tag).map(|k| k.value.as_str())
}

#[test]
fn validation() {
    let ok = StudySearch {
        patient_name: "DOE^J*".into(),
        study_date_from: "20240101".into(),
        study_date_to: "20241231".into(),
        ..Default::default()
    };
    assert_eq!(ok.validate(), Ok(()));
    let cases = [
        (
            StudySearch {
                birth_date: "1980-01-01".into(),
                ..Default::default()
            },
            "birth_date",
        ),
        (
            StudySearch {
                study_date_from: "20241301".into(),
                ..Default::default()
            },
            "study_date_from",
        ),
        (
            StudySearch {
                patient_id: "A\\B".into(),
                ..Default::default()
            },
            "patient_id",
        ),
        (
            StudySearch {
                modality: "X".repeat(17),
                ..Default::default()
            },
            "modality",
        ),
    ];
    for (s, field) in cases {
        let e = s.validate().expect_err(field);
        assert!(format!("{e}").starts_with(field), "{e}");
    }
    let reversed = StudySearch {
        study_date_from: "20250101".into(),
        study_date_to: "20240101".into(),
        ..Default::default()
    };
    assert_eq!(reversed.validate(), Err(QueryError::Range));
    assert!(StudySearch::default().is_empty());
    assert!(
        StudySearch {
            patient_name: "  ".into(),
            ..Default::default()
        }
        .is_empty()
    );
}

#[test]
fn date_ranges() {
    let d = |f: &str, t: &str| {
        StudySearch {
            study_date_from: f.into(),
            study_date_to: t.into(),
            ..Default::default()
        }
        .study_date()
    };
    assert_eq!(d("", ""), "");
    assert_eq!(d("20240101", ""), "20240101-");
    assert_eq!(d("", "20240101"), "-20240101");
    assert_eq!(d("20240101", "20240131"), "20240101-20240131");
    assert_eq!(d("20240101", "20240101"), "20240101");
}

#[test]
fn study_keys_per_model() {
    let s = StudySearch {
        patient_name: "DOE*".into(),
        study_date_from: "20240101".into(),
        ..Default::default()
    };
    let sr = study_keys(&s, InfoModel::StudyRoot, None);
    assert_eq!(value(&sr, QUERY_RETRIEVE_LEVEL), Some("STUDY"));
    assert_eq!(value(&sr, PATIENT_NAME), Some("DOE*"));
    assert_eq!(value(&sr, STUDY_DATE), Some("20240101-"));
    let pr = study_keys(&s, InfoModel::PatientRoot, Some("P1"));
    assert_eq!(value(&pr, PATIENT_ID), Some("P1"));
    assert_eq!(
        value(&pr, PATIENT_NAME),
        None,
        "patient keys belong to the patient level"
    );
    let pk = patient_keys(&s);
    assert_eq!(value(&pk, QUERY_RETRIEVE_LEVEL), Some("PATIENT"));
    let series = series_keys(InfoModel::PatientRoot, "P1", "1.2.3");
    assert_eq!(value(&series, PATIENT_ID), Some("P1"));
    let series = series_keys(InfoModel::StudyRoot, "P1", "1.2.3");
    assert_eq!(value(&series, PATIENT_ID), None);
}

fn hit(uid: &str, date: &str, modality: &str, series: Option<u32>) -> StudyHit {
    StudyHit {
        study_uid: uid.into(),
        study_date: date.into(),
        modalities: vec![modality.into()],
        series_count: series,
        ..Default::default()
    }
}

#[test]
fn merging_by_study_uid() {
    let a = SourceRef {
        node_id: 1,
        node_name: "A".into(),
    };
    let b = SourceRef {
        node_id: 2,
        node_name: "B".into(),
    };
    let merged = merge(vec![
        (
            a.clone(),
            vec![
                hit("1.1", "20240101", "CT", None),
                hit("", "20250101", "CT", None),
            ],
        ),
        (
            b.clone(),
            vec![
                hit("1.1", "20240101", "SR", Some(3)),
                hit("1.2", "20240505", "MR", None),
            ],
        ),
    ]);
    assert_eq!(
        merged.len(),
        2,
        "deduplicated, the row without a UID dropped"
    );
    assert_eq!(merged[0].study_uid, "1.2", "newest first");
    let both = &merged[1];
    assert_eq!(both.sources, vec![a, b]);
    assert_eq!(both.modalities, vec!["CT".to_string(), "SR".to_string()]);
    assert_eq!(both.series_count, Some(3));
}

#[test]
fn progress_and_statuses() {
    let p = SubOps {
        remaining: Some(30),
        completed: 60,
        failed: 5,
        warning: 5,
    };
    assert_eq!(p.percent(), Some(70));
    assert_eq!(SubOps::default().percent(), None);
    assert_eq!(classify_move_status(0xFF00), MoveStatus::Pending);
    assert_eq!(classify_move_status(0x0000), MoveStatus::Success);
    assert_eq!(classify_move_status(0xB000), MoveStatus::Warning);
    assert_eq!(classify_move_status(0xFE00), MoveStatus::Cancelled);
    assert!(
        matches!(classify_move_status(0xA801), MoveStatus::Failure(m) if m.contains("move destination"))
    );
    assert!(matches!(
        classify_move_status(0xC123),
        MoveStatus::Failure(_)
    ));
    let rq = RetrieveRequest {
        clinic: 1,
        node_id: 1,
        method: RetrieveMethod::Get,
        model: InfoModel::StudyRoot,
        patient_id: String::new(),
        study_uid: "1.2.03".into(),
        series_uids: vec![],
    };
    assert!(rq.validate().is_err(), "a component with a leading zero");
    assert!(is_uid("1.2.840.10008.1.1") && !is_uid("1..2") && !is_uid("1.a"));
    assert_eq!(
        RetrieveState::parse("partial"),
        Some(RetrieveState::Partial)
    );
}
