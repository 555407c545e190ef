//! Study completeness on SQLite and PostgreSQL: a study is complete once nothing arrived for its
//! clinic's stable time (and, when the rule asks, once its procedure's expected series are
//! there), or as soon as a COMPLETED performed step (MPPS) lists only instances that arrived;
//! the verdict and its reason are on the studies list, and the completion is an event.

mod common;

use common::files::ct_series as study;
use common::kinds;
use common::pacs::{Here, load, passerelle};
use common::registry::{create, procedure};
use dicom_object::InMemDicomObject;
use domain::ClinicId;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use server::db::completeness::completion_rule;
use server::db::index_entities::ingest_event;
use server::synth;
use server::workflow::completeness::sweep;
use std::time::Duration;

async fn rule(h: &Here, clinic: i64, stable: i64, expected: bool) {
    completion_rule::ActiveModel {
        clinic_id: Set(clinic),
        modality: Set(String::new()),
        stable_seconds: Set(stable),
        require_expected_series: Set(expected),
        ..Default::default()
    }
    .insert(&h.t.db)
    .await
    .expect("rule");
}

/// The studies list's row of the patient's study, as the studies page gets it.
async fn state(h: &mut Here, patient_id: &str) -> Value {
    let q = domain::views::StudyQuery {
        patient: patient_id.to_owned(),
        ..Default::default()
    };
    let page = server::db::studies::search(&h.t.db, &domain::Scope::All, &q)
        .await
        .expect("studies");
    serde_json::to_value(&page.rows[0]).expect("json")
}

async fn sweep_now(h: &Here) -> usize {
    sweep(&h.t.db, server::db::now()).await.expect("sweep")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_study_is_complete_after_the_stable_time_and_its_expected_series() {
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        let demo = h.demo_clinic().await;
        // Three seconds: arrival times are kept to the second, so a quiet time measured just
        // after the load is at most the load's own time plus one second.
        rule(&h, demo, 3, false).await;
        let files = h.t.path().join("files");
        let (_, a) = study(&files.join("a"), &synth::new_uid(), "QUIET-1", 2);
        load("PASSERELLE", h.dicom_port, &a);
        assert_eq!(
            sweep_now(&h).await,
            0,
            "instances arrived less than the stable time ago"
        );
        tokio::time::sleep(Duration::from_millis(4100)).await;
        assert_eq!(sweep_now(&h).await, 1);
        let row = state(&mut h, "QUIET-1").await;
        assert_eq!(row["completion"]["state"], "complete_by_quiet", "{row}");
        assert!(row["completed_at"].as_i64().is_some(), "{row}");
        let events = ingest_event::Entity::find()
            .filter(ingest_event::Column::Kind.eq("study_complete"))
            .all(&h.t.db)
            .await
            .expect("events");
        assert_eq!(events.len(), 1, "the completion is an event");
        assert_eq!(sweep_now(&h).await, 0, "complete once");

        // A rule that asks for the procedure's expected series (2) holds a one-series study.
        let other = h.add_clinic("CLINB", "Clinique B").await;
        h.add_local_ae(other, "CLINB").await;
        rule(&h, other, 1, true).await;
        let order = order_in(&mut h, other, "SER-1").await;
        let uid = order["study_uid"].as_str().expect("uid").to_owned();
        let (_, b) = study(&files.join("b"), &uid, "0012345", 1);
        load("CLINB", h.dicom_port, &b);
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(sweep_now(&h).await, 0);
        let row = state(&mut h, "0012345").await;
        assert_eq!(
            row["completion"],
            json!({ "state": "waiting_for_series", "received": 1, "expected": 2 }),
            "{row}"
        );
        h.t.finish().await;
    }
}

/// A patient and a scheduled CT order in `clinic`; the order as the API shows it.
async fn order_in(h: &mut Here, clinic: i64, accession: &str) -> Value {
    let ct = procedure(&mut h.admin, clinic).await;
    let patient = json!({ "clinic": clinic, "mrn": "0012345", "family_name": "Côté",
        "given_name": "Hélène", "birth_date": "1985-01-15", "sex": "female", "language": "fr",
        "phone": "", "email": "", "address": "", "ramq": "" });
    let p = create(&mut h.admin, "/api/v1/patients", patient).await;
    let body = json!({ "clinic": clinic, "patient_id": p, "physician_id": null,
        "procedure_id": ct, "accession": accession, "priority": "routine", "reason": "",
        "scheduled_local": "2026-12-08T10:00", "station_ae": "CT_SALLE1", "modality": "CT" });
    let id = create(&mut h.admin, "/api/v1/orders", body).await;
    h.admin.get(&format!("/api/v1/orders/{id}")).await.json()
}

/// An MPPS data set (DICOM JSON) read as the SCP reads it.
fn pps(v: Value) -> domain::mpps::PpsAttrs {
    let obj: InMemDicomObject = dicom_json::from_value(v).expect("DICOM JSON");
    server::dimse::mpps::read_attrs(&obj)
}

fn el(vr: &str, v: &str) -> Value {
    json!({ "vr": vr, "Value": [v] })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_step_completes_its_study_once_every_listed_instance_arrived() {
    for kind in kinds() {
        let mut h = passerelle(kind).await;
        let demo = h.demo_clinic().await;
        rule(&h, demo, 600, false).await;
        let order = order_in(&mut h, demo, "MP-9").await;
        let uid = order["study_uid"].as_str().expect("uid").to_owned();
        let files = h.t.path().join("files");
        let (sops, a) = study(&files, &uid, "0012345", 2);
        let step_uid = "1.2.826.0.1.3680043.10.7.1";
        let refs: Vec<Value> = sops
            .iter()
            .map(|s| json!({ "00081150": el("UI", "1.2.840.10008.5.1.4.1.1.2"), "00081155": el("UI", s) }))
            .collect();
        let created = pps(json!({
            "00400270": { "vr": "SQ", "Value": [{ "0020000D": el("UI", &uid),
                "00080050": el("SH", "MP-9") }] },
            "00100020": el("LO", "0012345"), "00400253": el("SH", "PPS-9"),
            "00400241": el("AE", "CT_SALLE1"), "00400244": el("DA", "20261208"),
            "00400245": el("TM", "100000"), "00400252": el("CS", "IN PROGRESS"),
            "00080060": el("CS", "CT"), "00400340": { "vr": "SQ" },
        }));
        let clinic = ClinicId(demo);
        let performed = server::workflow::performed::create;
        performed(&h.t.db, clinic, step_uid, "CT_SALLE1", &created)
            .await
            .expect("N-CREATE");
        load("PASSERELLE", h.dicom_port, &a[..1]);
        assert_eq!(sweep_now(&h).await, 0);
        let completed = pps(json!({
            "00400252": el("CS", "COMPLETED"), "00400250": el("DA", "20261208"),
            "00400251": el("TM", "101000"),
            "00400340": { "vr": "SQ", "Value": [{ "0020000E": el("UI", "1.2.826.0.1.3680043.10.7.2"),
                "00081140": { "vr": "SQ", "Value": refs } }] },
        }));
        server::workflow::performed::set(&h.t.db, clinic, step_uid, "CT_SALLE1", &completed)
            .await
            .expect("N-SET");
        assert_eq!(sweep_now(&h).await, 0, "one listed image is missing");
        let row = state(&mut h, "0012345").await;
        assert_eq!(
            row["completion"],
            json!({ "state": "waiting_for_instances", "missing": 1 }),
            "{row}"
        );
        load("PASSERELLE", h.dicom_port, &a[1..]);
        assert_eq!(sweep_now(&h).await, 1, "complete without waiting 600 s");
        let row = state(&mut h, "0012345").await;
        assert_eq!(
            row["completion"],
            json!({ "state": "complete_by_step", "instances": 2 }),
            "{row}"
        );
        h.t.finish().await;
    }
}
