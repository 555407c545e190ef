//! Retrieve from a real PACS (DCMTK dcmqrscp): C-MOVE to Passerelle (through ingest), C-MOVE
//! straight to an Orthanc VNA (nothing passes through Passerelle), C-GET, a move destination
//! the PACS does not know (clear error), cancel during a large move (C-CANCEL), on SQLite and
//! PostgreSQL; every retrieve audited.

mod common;

use common::pacs::{Here, StudySpec, dcmqrscp, load, passerelle, write_study};
use common::peers::orthanc;
use common::{Kind, kinds};
use domain::NodeRole;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use server::db::index_entities::{instance, series, study};
use std::time::{Duration, Instant};

/// Instances of `study_uid` indexed by Passerelle.
async fn indexed(here: &Here, study_uid: &str) -> u64 {
    let Some(st) = study::Entity::find()
        .filter(study::Column::StudyUid.eq(study_uid))
        .one(&here.t.db)
        .await
        .expect("study")
    else {
        return 0;
    };
    let series: Vec<i64> = series::Entity::find()
        .filter(series::Column::StudyId.eq(st.id))
        .all(&here.t.db)
        .await
        .expect("series")
        .iter()
        .map(|s| s.id)
        .collect();
    instance::Entity::find()
        .filter(instance::Column::SeriesId.is_in(series))
        .count(&here.t.db)
        .await
        .expect("count")
}

async fn start(here: &mut Here, body: Value) -> i64 {
    let a = here.admin.post_json("/api/v1/retrieves", body).await;
    assert_eq!(a.status, 202, "{}", a.body);
    a.json()["id"].as_i64().expect("id")
}

fn study_spec(id: &str, instances: usize, pixel_bytes: usize) -> StudySpec<'_> {
    StudySpec {
        patient_name: "ROY^ANNE",
        patient_id: id,
        study_date: "20260101",
        description: "IRM GENOU",
        instances,
        pixel_bytes,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_here_move_to_vna_get_and_unknown_destination() {
    let vna = orthanc();
    for kind in kinds() {
        let mut here = passerelle(kind).await;
        let qr = dcmqrscp(&[("PASSERELLE", here.dicom_port), ("ORTHANC", vna.dicom)]);
        let files = tempfile::tempdir().expect("dir");
        let (s1, f1) = write_study(files.path(), &study_spec("R1", 5, 4096));
        let (s2, f2) = write_study(files.path(), &study_spec("R2", 3, 4096));
        let (s3, f3) = write_study(files.path(), &study_spec("R3", 4, 4096));
        load("PACS", qr.port, &[f1, f2, f3].concat());
        let pacs = here.node("PACS1", "PACS", qr.port, NodeRole::Pacs).await;
        let clinic = here.demo_clinic().await;
        let rq = |method: Value, study: &str| json!({ "clinic": clinic, "node_id": pacs, "method": method, "study_uid": study });

        let id = start(&mut here, rq(json!({ "kind": "move_here" }), &s1)).await;
        let j = here.wait_job(id, Duration::from_secs(60)).await;
        assert_eq!(j["state"], "completed", "{j}");
        assert_eq!(j["subops"]["completed"], 5);
        assert_eq!(
            indexed(&here, &s1).await,
            5,
            "received through ingest ({kind:?})"
        );

        let before = vna.count().await;
        let id = start(
            &mut here,
            rq(json!({ "kind": "move_to", "ae_title": "ORTHANC" }), &s2),
        )
        .await;
        let j = here.wait_job(id, Duration::from_secs(60)).await;
        assert_eq!(j["state"], "completed", "{j}");
        assert_eq!(vna.count().await, before + 3, "moved straight to the VNA");
        assert_eq!(
            indexed(&here, &s2).await,
            0,
            "nothing passed through Passerelle"
        );

        let d = here
            .admin
            .post_json(
                "/api/v1/query/drill",
                json!({ "clinic": clinic, "node_id": pacs, "study_uid": s3 }),
            )
            .await
            .json();
        let se = d["series"][0]["series_uid"]
            .as_str()
            .expect("series")
            .to_owned();
        let mut get = rq(json!({ "kind": "get" }), &s3);
        get["series_uids"] = json!([se]);
        let id = start(&mut here, get).await;
        let j = here.wait_job(id, Duration::from_secs(60)).await;
        assert_eq!(j["state"], "completed", "C-GET: {j}");
        assert_eq!(
            indexed(&here, &s3).await,
            4,
            "C-GET sub-operations ingested ({kind:?})"
        );

        let id = start(
            &mut here,
            rq(json!({ "kind": "move_to", "ae_title": "NOWHERE" }), &s1),
        )
        .await;
        let j = here.wait_job(id, Duration::from_secs(60)).await;
        assert_eq!(j["state"], "failed", "{j}");
        assert!(
            j["error"]
                .as_str()
                .is_some_and(|e| e.contains("does not know the move destination")),
            "{j}"
        );

        let audit = here.admin.get("/api/v1/audit?action=retrieve").await.json();
        let outcomes: Vec<&str> = audit
            .as_array()
            .expect("audit")
            .iter()
            .map(|r| r["outcome"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            outcomes,
            vec!["failed", "completed", "completed", "completed"],
            "{audit}"
        );
        let bad = here
            .admin
            .post_json("/api/v1/retrieves", rq(json!({ "kind": "get" }), "1.2.x"))
            .await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        here.t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_during_a_large_move() {
    let mut here = passerelle(Kind::Sqlite).await;
    let qr = dcmqrscp(&[("PASSERELLE", here.dicom_port)]);
    let files = tempfile::tempdir().expect("dir");
    let n = 600;
    let (s, f) = write_study(files.path(), &study_spec("BIG", n, 65_536));
    load("PACS", qr.port, &f);
    let pacs = here.node("PACS1", "PACS", qr.port, NodeRole::Pacs).await;
    let clinic = here.demo_clinic().await;
    let id = start(&mut here, json!({ "clinic": clinic, "node_id": pacs, "method": { "kind": "move_here" }, "study_uid": s })).await;
    let end = Instant::now() + Duration::from_secs(60);
    while indexed(&here, &s).await < 20 {
        assert!(Instant::now() < end, "the move did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let c = here
        .admin
        .post_json(&format!("/api/v1/retrieves/{id}/cancel"), json!({}))
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    let j = here.wait_job(id, Duration::from_secs(60)).await;
    assert_eq!(j["state"], "cancelled", "{j}");
    let got = indexed(&here, &s).await;
    assert!(got < n as u64, "the PACS stopped sending: {got} of {n}");
    assert_eq!(
        j["subops"]["completed"].as_u64(),
        Some(got),
        "every image that came was acknowledged and kept: {j}"
    );
    here.t.finish().await;
}
