//! Query against real PACS: DCMTK dcmqrscp and Orthanc. Wildcards and date ranges on both,
//! results merged by Study Instance UID, one PACS down beside the others' results, Patient
//! Root, drill-down to series and instances, the audit trail, and clinic scoping (staff of one
//! clinic cannot query another clinic's PACS).

mod common;

use common::pacs::{StudySpec, dcmqrscp, load, orthanc_pacs, passerelle, study_uids, write_study};
use common::peers::free_port;
use common::{Client, Kind};
use domain::{ClinicCode, ClinicName, DisplayName, NodeRole, Role, Username};
use serde_json::{Value, json};
use server::db::users::UserWrite;

fn spec<'a>(name: &'a str, id: &'a str, date: &'a str) -> StudySpec<'a> {
    StudySpec {
        patient_name: name,
        patient_id: id,
        study_date: date,
        description: "CT THORAX",
        instances: 2,
        pixel_bytes: 2048,
    }
}

async fn search(c: &mut Client, clinic: i64, keys: Value) -> Value {
    let a = c
        .post_json(
            "/api/v1/query/studies",
            json!({ "clinic": clinic, "keys": keys }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

fn node<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["node_name"] == name)
        .expect("node outcome")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_merges_pacs_with_wildcards_dates_and_a_pacs_down() {
    let mut here = passerelle(Kind::Sqlite).await;
    let qr = dcmqrscp(&[("PASSERELLE", here.dicom_port)]);
    let orthanc = orthanc_pacs(&[("PASSERELLE", here.dicom_port)]);
    let files = tempfile::tempdir().expect("dir");
    let (a, fa) = write_study(files.path(), &spec("TREMBLAY^JEAN", "P1", "20240115"));
    let (b, fb) = write_study(files.path(), &spec("GAGNON^MARIE", "P2", "20250301"));
    let (c, fc) = write_study(files.path(), &spec("TREMBLAY^LUC", "P3", "20230610"));
    load("PACS", qr.port, &[fa.clone(), fb].concat());
    load("ORTHANC", orthanc.dicom, &[fa, fc].concat());
    here.node("PACS1", "PACS", qr.port, NodeRole::Pacs).await;
    here.node("PACS2", "ORTHANC", orthanc.dicom, NodeRole::Pacs)
        .await;
    here.node("DOWN", "GONE", free_port(), NodeRole::Pacs).await;
    here.node("VNA", "VNA", free_port(), NodeRole::Vna).await;
    let clinic = here.demo_clinic().await;

    let r = search(
        &mut here.admin,
        clinic,
        json!({ "patient_name": "TREMBLAY*" }),
    )
    .await;
    let mut want = vec![a.clone(), c.clone()];
    want.sort();
    assert_eq!(study_uids(&r), want, "{r}");
    let sa = r["studies"]
        .as_array()
        .expect("present")
        .iter()
        .find(|s| s["study_uid"] == a.as_str())
        .expect("present");
    assert_eq!(
        sa["sources"].as_array().expect("present").len(),
        2,
        "on both PACS, listed once: {sa}"
    );
    assert_eq!(sa["patient_name"], "TREMBLAY^JEAN");
    assert_eq!(node(&r, "PACS1")["count"], 1);
    assert_eq!(node(&r, "PACS2")["count"], 2);
    assert!(node(&r, "PACS2")["error"].is_null());
    let down = node(&r, "DOWN");
    assert_eq!(down["count"], 0);
    assert!(
        down["error"].as_str().is_some_and(|e| !e.is_empty()),
        "the PACS that is down shows its error: {down}"
    );
    assert_eq!(
        r["nodes"].as_array().expect("present").len(),
        3,
        "the VNA is not searched"
    );

    let r = search(
        &mut here.admin,
        clinic,
        json!({ "study_date_from": "20240101", "study_date_to": "20241231" }),
    )
    .await;
    assert_eq!(
        study_uids(&r),
        vec![a.clone()],
        "date range on both PACS: {r}"
    );
    let r = search(
        &mut here.admin,
        clinic,
        json!({ "study_date_from": "20250101" }),
    )
    .await;
    assert_eq!(study_uids(&r), vec![b.clone()], "open range: {r}");
    let r = search(
        &mut here.admin,
        clinic,
        json!({ "patient_name": "GAGNON^MARI?" }),
    )
    .await;
    assert_eq!(study_uids(&r), vec![b.clone()]);

    let pr = here
        .admin
        .post_json(
            "/api/v1/query/studies",
            json!({ "clinic": clinic, "model": "patient_root",
        "keys": { "patient_name": "TREMBLAY*" } }),
        )
        .await
        .json();
    assert_eq!(
        study_uids(&pr),
        want,
        "Patient Root: patients, then their studies: {pr}"
    );

    let pacs1 = node(&r, "PACS1")["node_id"].as_i64().expect("present");
    let d = here
        .admin
        .post_json(
            "/api/v1/query/drill",
            json!({ "clinic": clinic, "node_id": pacs1, "study_uid": a }),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    let series = d.json()["series"].as_array().expect("series").clone();
    assert_eq!(series.len(), 1);
    let se = series[0]["series_uid"]
        .as_str()
        .expect("present")
        .to_owned();
    let d = here
        .admin
        .post_json(
            "/api/v1/query/drill",
            json!({ "clinic": clinic, "node_id": pacs1, "study_uid": a, "series_uid": se }),
        )
        .await;
    assert_eq!(
        d.json()["instances"].as_array().map(Vec::len),
        Some(2),
        "{}",
        d.body
    );

    let bad = here
        .admin
        .post_json(
            "/api/v1/query/studies",
            json!({ "clinic": clinic, "keys": { "birth_date": "1970-01-01" } }),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("YYYYMMDD"), "{}", bad.body);
    let empty = here
        .admin
        .post_json(
            "/api/v1/query/studies",
            json!({ "clinic": clinic, "keys": {} }),
        )
        .await;
    assert_eq!(empty.status, 400);

    let audit = here.admin.get("/api/v1/audit?action=query").await.json();
    let rows = audit.as_array().expect("audit");
    assert!(
        rows.len() >= 12,
        "one row per PACS and search: {}",
        rows.len()
    );
    let first_search = rows
        .iter()
        .rev()
        .find(|r| r["node_id"].as_i64() == Some(pacs1))
        .expect("PACS1 row");
    assert_eq!(first_search["actor"], "admin");
    assert_eq!(first_search["detail"]["keys"]["patient_name"], "TREMBLAY*");
    assert_eq!(first_search["result_count"], 1);
    assert!(
        rows.iter().any(|r| r["outcome"] == "failure"),
        "the PACS that was down is audited as a failure"
    );

    // Orthanc as a PACS: C-MOVE of study C to Passerelle.
    let pacs2 = node(&r, "PACS2")["node_id"].as_i64().expect("present");
    let j = here
        .admin
        .post_json(
            "/api/v1/retrieves",
            json!({ "clinic": clinic, "node_id": pacs2,
            "method": { "kind": "move_here" }, "study_uid": c }),
        )
        .await;
    assert_eq!(j.status, 202, "{}", j.body);
    let id = j.json()["id"].as_i64().expect("present");
    let j = here.wait_job(id, std::time::Duration::from_secs(60)).await;
    assert_eq!(j["state"], "completed", "C-MOVE from Orthanc: {j}");
    assert_eq!(j["subops"]["completed"], 2);
    scoping(&mut here, clinic, pacs1).await;
    here.t.finish().await;
}

/// Staff of clinic B see none of clinic A's PACS; staff of A may query them.
async fn scoping(here: &mut common::pacs::Here, clinic_a: i64, pacs_a: i64) {
    let db = &here.t.db;
    let b = server::db::clinics::create(
        db,
        &ClinicCode::parse("CLB").expect("present"),
        &ClinicName::parse("Clinique B").expect("present"),
    )
    .await
    .expect("clinic");
    let hash = server::auth::password::hash("staff password 1".into())
        .await
        .expect("hash");
    for (name, clinic) in [("staffa", clinic_a), ("staffb", b.id.0)] {
        let w = UserWrite {
            display_name: DisplayName::parse(name).expect("present"),
            role: Role::ClinicStaff,
            clinics: vec![domain::ClinicId(clinic)],
            active: true,
            password_hash: Some(hash.clone()),
        };
        server::db::users::create(db, &Username::parse(name).expect("present"), w)
            .await
            .expect("user");
    }
    let mut staff_b = Client::new(here.admin.router.clone()).from([127, 0, 0, 2]);
    assert_eq!(
        staff_b.login("staffb", "staff password 1").await.status,
        200
    );
    let keys = json!({ "patient_name": "TREMBLAY*" });
    let r = staff_b
        .post_json(
            "/api/v1/query/studies",
            json!({ "clinic": clinic_a, "keys": keys }),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = staff_b
        .post_json(
            "/api/v1/query/studies",
            json!({ "clinic": b.id.0, "nodes": [pacs_a], "keys": keys }),
        )
        .await;
    assert_eq!(
        r.status, 403,
        "a PACS of clinic A through clinic B: {}",
        r.body
    );
    let r = staff_b
        .post_json(
            "/api/v1/retrieves",
            json!({ "clinic": clinic_a, "node_id": pacs_a,
        "method": { "kind": "move_here" }, "study_uid": "1.2.3" }),
        )
        .await;
    assert_eq!(r.status, 403);
    let nodes = staff_b.get("/api/v1/query/nodes").await.json();
    assert_eq!(nodes.as_array().map(Vec::len), Some(0), "{nodes}");
    let mut staff_a = Client::new(here.admin.router.clone()).from([127, 0, 0, 3]);
    assert_eq!(
        staff_a.login("staffa", "staff password 1").await.status,
        200
    );
    let r = staff_a
        .post_json(
            "/api/v1/query/studies",
            json!({ "clinic": clinic_a, "nodes": [pacs_a], "keys": keys }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["studies"].as_array().map(Vec::len), Some(1));
}
