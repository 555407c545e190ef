//! The routing JSON API on SQLite and PostgreSQL: destinations (secrets never shown back),
//! rule validation with every problem listed, the residency guard at enable time, versioned
//! changes, the preview of a draft rule on received studies, and staff kept out.

mod common;

use common::rig::store_synthetic;
use common::routes::{Reach, destination, quick_retry};
use common::{Client, TestDb, app, kinds};
use domain::Jurisdiction;
use http::StatusCode;
use sea_orm::EntityTrait;
use serde_json::json;
use server::ingest::{ConflictPolicy, Ingest};
use server::storage::Spool;
use server::synth::{self, StudyIds};
use std::sync::Arc;

async fn admin(router: &axum::Router) -> Client {
    let mut c = Client::new(router.clone());
    assert_eq!(
        c.login("admin", "correct horse battery").await.status,
        StatusCode::OK
    );
    c
}

/// Ingests one CT instance through the given router into clinic 1.
async fn ingest_ct(t: &TestDb, state: &server::state::AppState, description: &str) {
    state.router.reload(&t.db).await.expect("router");
    let ingest = Ingest::new(
        t.db.clone(),
        Spool::open(t.path().join("spool")).expect("spool"),
        ConflictPolicy::KeepBoth,
        state.router.clone(),
        Arc::new(tokio::sync::Notify::new()),
    );
    let ids = StudyIds::new(1);
    assert_eq!(description, "CT THORAX", "the generator's description");
    let r = store_synthetic(&ingest, 1, &ids, &synth::new_uid(), 1, 64).await;
    assert_eq!(r.status, 0);
}

async fn run(kind: common::Kind) {
    let t = TestDb::new(kind).await;
    let (router, state) = app(&t).await;
    let mut adm = admin(&router).await;
    let node = destination(
        &t.db,
        "seed",
        Reach::Dimse {
            ae: "VNA",
            port: 104,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        5,
    )
    .await;
    let node_id = server::db::routing::get(&t.db, node)
        .await
        .expect("dest")
        .node_id;
    let abroad_node = destination(
        &t.db,
        "abroad",
        Reach::Dimse {
            ae: "CLOUD",
            port: 104,
        },
        Jurisdiction::OutsideCanada,
        quick_retry(),
        5,
    )
    .await;
    // A STOW destination with a bearer token: the token is stored, never shown back.
    let r = adm
        .post_json("/api/v1/destinations", json!({
            "name": "vna-web", "node_id": node_id, "transport": "stow",
            "stow_url": "http://127.0.0.1:9/dicom-web", "auth": "bearer", "secret": "s3cret-token",
            "enabled": true, "max_concurrency": 2,
            "retry": { "base_seconds": 5, "max_seconds": 600, "max_attempts": 20 }, "timeout_seconds": 30 }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["has_secret"], json!(true));
    let list = adm.get("/api/v1/destinations").await;
    assert!(
        !list.body.contains("s3cret"),
        "secret leaked: {}",
        list.body
    );
    // Every problem of a rule at once.
    let bad = json!({ "clinic": null, "rule": { "name": "bad", "destinations": ["nowhere"],
        "when": { "op": "matches", "field": "study_description", "pattern": "(" } } });
    let r = adm.post_json("/api/v1/rules", bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("nowhere") && r.body.contains("regular expression"),
        "{}",
        r.body
    );
    let r = adm.post_json("/api/v1/rules", json!({ "clinic": null, "rule": { "name": "x", "destinations": ["seed"], "when": { "op": "colour" } } })).await;
    assert!(r.status.is_client_error(), "unknown op refused: {}", r.body);
    // Residency: an enabled rule to a destination outside Quebec needs an assessment.
    let abroad_rule = json!({ "clinic": null, "rule": { "name": "cloud copy", "destinations": ["abroad"], "when": { "op": "always" } } });
    let r = adm.post_json("/api/v1/rules", abroad_rule.clone()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Law 25"), "{}", r.body);
    let r = adm
        .post_json(
            &format!("/api/v1/destinations/{abroad_node}/pia"),
            json!({ "reference": "EFVP-2026-7" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = adm.post_json("/api/v1/rules", abroad_rule).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A good rule; its history names who changed it.
    let ct = json!({ "clinic": 1, "rule": { "name": "CT to seed", "action": "stop", "destinations": ["seed"],
        "when": { "op": "equals", "field": "modality", "value": "CT" } } });
    let r = adm.post_json("/api/v1/rules", ct).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let hist = adm.get("/api/v1/rules/history").await.json();
    assert_eq!(hist.as_array().map(Vec::len), Some(2));
    assert_eq!(hist[0]["changed_by"], json!("admin"));
    // Preview: a received CT study goes to seed today (the clinic rule stops); a draft that
    // sends thorax studies to vna-web instead changes that.
    ingest_ct(&t, &state, "CT THORAX").await;
    let draft = json!({ "replaces": null, "clinic": 1, "rule": { "name": "heads", "action": "stop",
        "destinations": ["vna-web"], "when": { "op": "contains", "field": "study_description", "value": "thorax" } } });
    let rows = adm.post_json("/api/v1/rules/preview", draft).await;
    assert_eq!(rows.status, StatusCode::OK, "{}", rows.body);
    let rows = rows.json();
    assert_eq!(rows[0]["before"], json!(["seed"]), "{rows}");
    // The draft comes after the clinic's stopping CT rule, so nothing changes: the preview
    // shows exactly that.
    assert_eq!(rows[0]["changed"], json!(false), "{rows}");
    let rules = adm.get("/api/v1/rules").await.json();
    let ct_id = rules
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["rule"]["name"] == "CT to seed")
        .expect("ct")["id"]
        .clone();
    let replace = json!({ "replaces": ct_id, "clinic": 1, "rule": { "name": "heads", "action": "stop",
        "destinations": ["vna-web"], "when": { "op": "contains", "field": "study_description", "value": "thorax" } } });
    let rows = adm.post_json("/api/v1/rules/preview", replace).await.json();
    assert_eq!(rows[0]["after"], json!(["vna-web"]), "{rows}");
    assert_eq!(rows[0]["changed"], json!(true));
    // The overview counts the job the CT rule created.
    let tr = adm.get("/api/v1/transfers").await;
    assert_eq!(tr.status, StatusCode::OK, "{}", tr.body);
    let tr = tr.json();
    let seed = tr["destinations"]
        .as_array()
        .expect("d")
        .iter()
        .find(|d| d["name"] == "seed")
        .expect("seed")
        .clone();
    assert_eq!(seed["queued"], json!(1), "{tr}");
    // Pause and resume: the queue keeps its jobs, the overview says so.
    let r = adm
        .post_json(&format!("/api/v1/destinations/{node}/pause"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let paused = adm.get("/api/v1/transfers").await.json();
    let seed = paused["destinations"]
        .as_array()
        .expect("d")
        .iter()
        .find(|d| d["name"] == "seed")
        .expect("seed")
        .clone();
    assert_eq!(
        (seed["paused"].clone(), seed["queued"].clone()),
        (json!(true), json!(1))
    );
    adm.post_json(&format!("/api/v1/destinations/{node}/resume"), json!({}))
        .await;
    let resumed = adm.get("/api/v1/destinations").await.json();
    assert!(
        resumed
            .as_array()
            .expect("d")
            .iter()
            .all(|d| d["paused"] == json!(false))
    );
    // Staff are kept out.
    let staff = adm.post_json("/api/save_user", json!({ "form": { "id": null, "username": "marie", "display_name": "Marie",
        "role": "clinic_staff", "clinics": [1], "active": true, "password": "staff password 123" } })).await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.body);
    let mut st = Client::new(router.clone());
    st.login("marie", "staff password 123").await;
    // Staff watch their clinic's transfers but cannot act on them or see the configuration.
    let theirs = st.get("/api/v1/transfers").await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.body);
    let seed = theirs.json()["destinations"]
        .as_array()
        .expect("d")
        .iter()
        .find(|d| d["name"] == "seed")
        .expect("seed")
        .clone();
    assert_eq!(seed["queued"], json!(1));
    let job_id = server::db::routing_entities::forward_job::Entity::find()
        .one(&t.db)
        .await
        .expect("q")
        .expect("job")
        .id;
    let r = st
        .post_json(&format!("/api/v1/jobs/{job_id}/cancel"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(st.get("/api/v1/rules").await.status, StatusCode::FORBIDDEN);
    // Staff of another clinic see none of clinic 1's jobs.
    let b = adm
        .post_json(
            "/api/save_clinic",
            json!({ "form": { "id": null, "code": "QC-B", "name": "Clinique B", "active": true } }),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("clinic B");
    adm.post_json("/api/save_user", json!({ "form": { "id": null, "username": "luc", "display_name": "Luc",
        "role": "clinic_staff", "clinics": [b], "active": true, "password": "staff password 456" } })).await;
    let mut other = Client::new(router.clone());
    other.login("luc", "staff password 456").await;
    let none = other.get("/api/v1/transfers").await.json();
    assert!(
        none["destinations"]
            .as_array()
            .expect("d")
            .iter()
            .all(|d| d["queued"] == json!(0)),
        "{none}"
    );
    t.finish().await;
}

#[tokio::test]
async fn routing_api_validates_guards_versions_and_previews() {
    for kind in kinds() {
        run(kind).await;
    }
}
