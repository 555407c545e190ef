//! Worklist matching as a modality's keys exercise it.

use super::*;

fn item() -> WorklistItem {
    WorklistItem {
        station_ae: "CT_SALLE1".into(),
        start_date: "20261207".into(),
        start_time: "143000".into(),
        modality: "CT".into(),
        patient_id: "B000123".into(),
        patient_name: "Côté^Hélène".into(),
        accession: "BN00000001".into(),
        requested_procedure_id: "RP1".into(),
    }
}

fn q(f: impl FnOnce(&mut WorklistKeys)) -> WorklistQuery {
    let mut k = WorklistKeys::default();
    f(&mut k);
    WorklistQuery::read(&k).expect("keys")
}

#[test]
fn empty_keys_match_everything() {
    assert!(q(|_| {}).matches(&item()));
}

#[test]
fn each_key_filters() {
    let it = item();
    assert!(q(|k| k.station_ae = "CT_SALLE1".into()).matches(&it));
    assert!(!q(|k| k.station_ae = "MR_1".into()).matches(&it));
    assert!(q(|k| k.modality = "CT".into()).matches(&it));
    assert!(!q(|k| k.modality = "MR".into()).matches(&it));
    assert!(q(|k| k.patient_id = "B000123".into()).matches(&it));
    assert!(!q(|k| k.patient_id = "b000123".into()).matches(&it));
    assert!(q(|k| k.patient_name = "cote^hel*".into()).matches(&it));
    assert!(q(|k| k.patient_name = "CÔTÉ".into()).matches(&it));
    assert!(!q(|k| k.patient_name = "TREMBLAY*".into()).matches(&it));
    assert!(q(|k| k.accession = "BN*".into()).matches(&it));
    assert!(!q(|k| k.requested_procedure_id = "RP2".into()).matches(&it));
}

#[test]
fn dates_single_and_ranges() {
    let it = item();
    assert!(q(|k| k.start_date = "20261207".into()).matches(&it));
    assert!(!q(|k| k.start_date = "20261208".into()).matches(&it));
    assert!(q(|k| k.start_date = "20261201-20261231".into()).matches(&it));
    assert!(q(|k| k.start_date = "-20261207".into()).matches(&it));
    assert!(q(|k| k.start_date = "20261207-".into()).matches(&it));
    assert!(!q(|k| k.start_date = "20261208-".into()).matches(&it));
}

#[test]
fn times_cover_their_precision() {
    let it = item();
    assert!(q(|k| k.start_time = "14".into()).matches(&it));
    assert!(q(|k| k.start_time = "1430".into()).matches(&it));
    assert!(q(|k| k.start_time = "1400-1430".into()).matches(&it));
    assert!(!q(|k| k.start_time = "1431-".into()).matches(&it));
    assert!(q(|k| k.start_time = "-14".into()).matches(&it));
    assert!(!q(|k| k.start_time = "-1429".into()).matches(&it));
    assert!(q(|k| k.start_time = "143000.000000-143000.5".into()).matches(&it));
}

#[test]
fn malformed_keys_name_their_tag() {
    for bad in [
        "2026-12-07x",
        "20261307",
        "2026120",
        "20261210-20261201",
        "-",
    ] {
        let k = WorklistKeys {
            start_date: bad.into(),
            ..Default::default()
        };
        let e = WorklistQuery::read(&k).expect_err(bad);
        assert_eq!(e.tag, "(0040,0002)", "{bad}");
    }
    let k = WorklistKeys {
        start_time: "25".into(),
        ..Default::default()
    };
    assert_eq!(
        WorklistQuery::read(&k).expect_err("time").tag,
        "(0040,0003)"
    );
}
