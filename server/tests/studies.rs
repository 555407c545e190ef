//! The studies list and study page through the server functions, on SQLite and PostgreSQL:
//! filters, server-side paging, and tenancy (staff of clinic A never see clinic B's studies).

mod common;

use common::rig::store_synthetic;
use common::{Client, TestDb, app, kinds};
use http::StatusCode;
use serde_json::json;
use server::ingest::{ConflictPolicy, Ingest};
use server::storage::Spool;
use server::synth::{self, StudyIds};

const ADMIN_PW: &str = "correct horse battery";

async fn ingest_study(
    ingest: &Ingest,
    clinic: i64,
    n: usize,
    instances: usize,
    patient_name: &str,
) {
    let mut ids = StudyIds::new(n);
    ids.patient_name = patient_name.to_owned();
    let series = synth::new_uid();
    for i in 0..instances {
        let r = store_synthetic(ingest, clinic, &ids, &series, i + 1, 256).await;
        assert_eq!(r.status, 0, "{r:?}");
    }
}

#[tokio::test]
async fn studies_are_filtered_paged_and_scoped() {
    for kind in kinds() {
        let t = TestDb::new(kind).await;
        let (router, _) = app(&t).await;
        let mut adm = Client::new(router.clone());
        adm.login("admin", ADMIN_PW).await;
        let b = adm
            .post_json("/api/save_clinic", json!({ "form": { "id": null, "code": "QC-B", "name": "Clinique B", "active": true } }))
            .await
            .json()["id"]
            .as_i64()
            .expect("clinic B");
        let ingest = Ingest::new(
            t.db.clone(),
            Spool::open(t.path().join("spool")).expect("spool"),
            ConflictPolicy::KeepBoth,
            Default::default(),
            Default::default(),
        );
        for n in 0..27 {
            ingest_study(&ingest, 1, n, 1, &format!("TREMBLAY^PATIENT{n}")).await;
        }
        ingest_study(&ingest, 1, 100, 3, "GAGNON^MARIE").await;
        ingest_study(&ingest, b, 200, 2, "SECRET^B").await;

        let first = adm.post_json("/api/studies", json!({ "query": { "clinic": 1, "patient": "", "date_from": "", "date_to": "", "modality": "", "accession": "", "page": 0 } })).await.json();
        assert_eq!(first["total"], 28);
        assert_eq!(
            first["rows"].as_array().map(Vec::len),
            Some(25),
            "server-side pages of 25"
        );
        let second = adm.post_json("/api/studies", json!({ "query": { "clinic": 1, "patient": "", "date_from": "", "date_to": "", "modality": "", "accession": "", "page": 1 } })).await.json();
        assert_eq!(second["rows"].as_array().map(Vec::len), Some(3));
        let marie = adm.post_json("/api/studies", json!({ "query": { "clinic": null, "patient": "gagnon", "date_from": "20261101", "date_to": "20261130", "modality": "ct", "accession": "", "page": 0 } })).await.json();
        assert_eq!(marie["total"], 1, "{marie}");
        assert_eq!(marie["rows"][0]["instance_count"], 3);
        let none = adm.post_json("/api/studies", json!({ "query": { "clinic": null, "patient": "gagnon", "date_from": "20270101", "date_to": "", "modality": "", "accession": "", "page": 0 } })).await.json();
        assert_eq!(none["total"], 0);
        let wildcard = adm.post_json("/api/studies", json!({ "query": { "clinic": null, "patient": "%", "date_from": "", "date_to": "", "modality": "", "accession": "", "page": 0 } })).await.json();
        assert_eq!(wildcard["total"], 0, "user text is not a LIKE pattern");

        let user = json!({ "form": { "id": null, "username": "staff.a", "display_name": "Staff A", "role": "clinic_staff",
            "clinics": [1], "active": true, "password": "a long staff password" } });
        assert_eq!(
            adm.post_json("/api/save_user", user).await.status,
            StatusCode::OK
        );
        let mut staff = Client::new(router);
        staff.login("staff.a", "a long staff password").await;
        let all = staff.post_json("/api/studies", json!({ "query": { "clinic": null, "patient": "", "date_from": "", "date_to": "", "modality": "", "accession": "", "page": 0 } })).await.json();
        assert_eq!(all["total"], 28, "clinic A only");
        let sneaky = staff.post_json("/api/studies", json!({ "query": { "clinic": b, "patient": "", "date_from": "", "date_to": "", "modality": "", "accession": "", "page": 0 } })).await.json();
        assert_eq!(sneaky["total"], 0, "asking for clinic B gives nothing");
        let b_study = adm.post_json("/api/studies", json!({ "query": { "clinic": b, "patient": "", "date_from": "", "date_to": "", "modality": "", "accession": "", "page": 0 } })).await.json();
        let b_id = b_study["rows"][0]["id"].as_i64().expect("id");
        assert_eq!(
            staff
                .post_form("/api/study", &[("id", &b_id.to_string())])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let detail = adm
            .post_form("/api/study", &[("id", &b_id.to_string())])
            .await
            .json();
        assert_eq!(
            detail["series"][0]["instances"].as_array().map(Vec::len),
            Some(2)
        );
        let page = staff.get_page("/studies").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("SECRET"),
            "B's patient never rendered for A's staff"
        );
        t.finish().await;
    }
}
