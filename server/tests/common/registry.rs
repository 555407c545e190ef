//! Registry records made through the JSON API for tests: clinics, users of a role, patients,
//! procedures, referring physicians and orders.

use super::Client;
use http::StatusCode;
use serde_json::{Value, json};

pub const PW: &str = "a long enough password 2026";

pub async fn clinic(c: &mut Client, code: &str) -> i64 {
    let form = json!({ "form": { "id": null, "code": code, "name": code, "active": true } });
    let r = c.post_json("/api/save_clinic", form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["id"].as_i64().expect("id")
}

pub async fn user(c: &mut Client, name: &str, role: &str, clinics: &[i64]) -> i64 {
    let form = json!({ "form": {
        "id": null, "username": name, "display_name": name, "role": role,
        "clinics": clinics, "active": true, "password": PW,
    }});
    let r = c.post_json("/api/save_user", form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["id"].as_i64().expect("user id")
}

pub async fn signed_in(router: &axum::Router, name: &str) -> Client {
    let mut c = Client::new(router.clone());
    assert_eq!(c.login(name, PW).await.status, StatusCode::OK);
    c
}

pub fn patient(clinic: i64, mrn: &str, ramq: &str) -> Value {
    json!({ "clinic": clinic, "mrn": mrn, "family_name": "Côté", "given_name": "Hélène",
        "birth_date": "1985-01-15", "sex": "female", "language": "fr", "phone": "", "email": "",
        "address": "", "ramq": ramq })
}

pub async fn create(c: &mut Client, path: &str, body: Value) -> i64 {
    let r = c.post_json(path, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
    let v = r.json();
    // An order answers with its row inside (`OrderView`).
    v["id"].as_i64().or(v["row"]["id"].as_i64()).expect("id")
}

pub async fn procedure(c: &mut Client, clinic: i64) -> i64 {
    let body = json!({ "clinic": clinic, "code": "CT-HEAD", "name_fr": "TDM cérébrale",
        "name_en": "CT head", "modality": "CT", "body_part": "HEAD", "expected_series": 2,
        "subspecialty": "neuro", "subspecialty_required": false,
        "turnaround": { "stat_minutes": 60, "urgent_minutes": 240, "routine_minutes": 2880 },
        "weight_tenths": 10, "active": true });
    create(c, "/api/v1/procedures", body).await
}

pub async fn physician(c: &mut Client, licence: &str, clinic: i64, user: Option<i64>) -> i64 {
    let body = json!({ "family_name": "Lavoie", "given_name": "Isabelle", "licence": licence,
        "clinics": [clinic], "email": "", "phone": "514-555-0101", "phone2": "",
        "notify": { "in_app": true, "email": false, "urgent": "phone" },
        "user_id": user, "active": true });
    create(c, "/api/v1/physicians", body).await
}

pub async fn order(c: &mut Client, clinic: i64, patient: i64, proc_: i64, doc: i64) -> i64 {
    order_with(c, clinic, patient, proc_, Some(doc), "").await
}

/// An order with this accession number (empty: generated) and maybe no referring physician.
pub async fn order_with(
    c: &mut Client,
    clinic: i64,
    patient: i64,
    proc_: i64,
    doc: Option<i64>,
    accession: &str,
) -> i64 {
    let body = json!({ "clinic": clinic, "patient_id": patient, "physician_id": doc,
        "procedure_id": proc_, "accession": accession, "priority": "urgent", "reason": "Céphalée",
        "scheduled_local": "2026-12-07T10:00", "station_ae": "", "modality": "" });
    create(c, "/api/v1/orders", body).await
}
