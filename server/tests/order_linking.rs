//! Studies sent by C-STORE (DCMTK storescu) meet their orders, on SQLite and PostgreSQL: by the
//! order's Study Instance UID or its accession number, the order then in progress; a study whose
//! PatientID is another patient's is linked but flagged, listed for reconciliation, and only
//! staff accept it; a study of no known patient is listed too; an order made after its images
//! arrived finds them; a patient's file shows its orders and studies together.

mod common;

use common::kinds;
use common::pacs::{Here, load, passerelle};
use common::registry::{create, order_with, patient, procedure};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use http::StatusCode;
use serde_json::{Value, json};
use server::synth::{self, StudyIds, SynthTs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One-instance study files with these identifiers.
fn study(dir: &Path, patient_id: &str, study_uid: &str, accession: &str) -> Vec<PathBuf> {
    let ids = StudyIds {
        patient_id: patient_id.into(),
        patient_name: "COTE^HELENE".into(),
        study_uid: study_uid.into(),
        accession: accession.into(),
    };
    let series = synth::new_uid();
    let mut obj = synth::instance(&ids, &series, 1, 1024);
    obj.put(DataElement::new(
        tags::ACCESSION_NUMBER,
        VR::SH,
        PrimitiveValue::from(accession),
    ));
    let path = dir.join(format!("{}.dcm", synth::new_uid()));
    synth::write(obj, SynthTs::ExplicitLe, &path).expect("write");
    vec![path]
}

async fn get_order(h: &mut Here, id: i64) -> Value {
    let r = h.admin.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

/// Waits until the order has `n` studies linked.
async fn linked(h: &mut Here, id: i64, n: usize) -> Value {
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let o = get_order(h, id).await;
        if o["studies"].as_array().map_or(0, Vec::len) >= n {
            return o;
        }
        assert!(Instant::now() < end, "order {id} has no study: {o}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_studies_meet_their_orders_and_mismatches_wait_for_staff() {
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        let demo = h.demo_clinic().await;
        let dir = h.t.path().join("studies");
        std::fs::create_dir_all(&dir).expect("dir");
        let ct = procedure(&mut h.admin, demo).await;
        let cote = create(
            &mut h.admin,
            "/api/v1/patients",
            patient(demo, "0012345", ""),
        )
        .await;
        let other = create(
            &mut h.admin,
            "/api/v1/patients",
            patient(demo, "0099999", ""),
        )
        .await;
        let by_uid = order_with(&mut h.admin, demo, cote, ct, None, "").await;
        let by_acc = order_with(&mut h.admin, demo, cote, ct, None, "ACC-100").await;
        let uid = get_order(&mut h, by_uid).await["study_uid"]
            .as_str()
            .expect("uid")
            .to_owned();
        assert!(
            uid.starts_with("2.25."),
            "a UID assigned at creation: {uid}"
        );

        load(
            "PASSERELLE",
            h.dicom_port,
            &study(&dir, "0012345", &uid, "X"),
        );
        let o = linked(&mut h, by_uid, 1).await;
        let s = &o["studies"][0];
        assert_eq!(
            (s["matched_by"].as_str(), s["patient_mismatch"].as_bool()),
            (Some("study_uid"), Some(false)),
            "{o}"
        );
        assert_eq!(o["row"]["status"], "in_progress", "{o}");

        // The accession matches, the PatientID is another patient's: linked, flagged.
        let wrong = synth::new_uid();
        load(
            "PASSERELLE",
            h.dicom_port,
            &study(&dir, "0099999", &wrong, "ACC-100"),
        );
        let o = linked(&mut h, by_acc, 1).await;
        let s = o["studies"][0].clone();
        assert_eq!(
            (
                s["matched_by"].as_str(),
                s["patient_mismatch"].as_bool(),
                s["resolved"].as_bool()
            ),
            (Some("accession"), Some(true), Some(false)),
            "{o}"
        );
        assert_eq!(
            o["row"]["status"], "scheduled",
            "not started on a doubtful study: {o}"
        );
        let file = h
            .admin
            .get(&format!("/api/v1/patients/{other}"))
            .await
            .json();
        assert_eq!(
            file["studies"].as_array().map(Vec::len),
            Some(1),
            "the images stay the other patient's: {file}"
        );

        // A study of nobody known.
        load(
            "PASSERELLE",
            h.dicom_port,
            &study(&dir, "NOBODY-1", &synth::new_uid(), "Z9"),
        );
        let todo = h.admin.get("/api/v1/reconcile").await.json();
        let reasons: Vec<(&str, &str)> = todo
            .as_array()
            .expect("list")
            .iter()
            .map(|u| {
                (
                    u["dicom_patient_id"].as_str().unwrap_or(""),
                    u["reason"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert!(reasons.contains(&("0099999", "patient_mismatch")), "{todo}");
        assert!(reasons.contains(&("NOBODY-1", "no_patient")), "{todo}");
        assert_eq!(reasons.len(), 2, "{todo}");

        let study_id = s["study_id"].as_i64().expect("study id");
        let accept = format!("/api/v1/orders/{by_acc}/studies/{study_id}/accept");
        let r = h
            .admin
            .post_json(
                &accept,
                json!({ "note": "same person, wrong PatientID typed at the modality" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let o = get_order(&mut h, by_acc).await;
        assert_eq!(o["studies"][0]["resolved"], true, "{o}");
        assert_eq!(o["row"]["status"], "in_progress", "{o}");
        let todo = h.admin.get("/api/v1/reconcile").await.json();
        assert_eq!(todo.as_array().map(Vec::len), Some(1), "{todo}");

        // Images first, order afterwards: the order finds them by accession.
        load(
            "PASSERELLE",
            h.dicom_port,
            &study(&dir, "0012345", &synth::new_uid(), "LATE-7"),
        );
        let late = order_with(&mut h.admin, demo, cote, ct, None, "LATE-7").await;
        let o = linked(&mut h, late, 1).await;
        assert_eq!(o["studies"][0]["patient_mismatch"], false, "{o}");
        let file = h
            .admin
            .get(&format!("/api/v1/patients/{cote}"))
            .await
            .json();
        assert_eq!(file["orders"].as_array().map(Vec::len), Some(3), "{file}");
        assert_eq!(file["studies"].as_array().map(Vec::len), Some(2), "{file}");
        h.t.finish().await;
    }
}
