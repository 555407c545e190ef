//! Query and retrieve over DICOM TLS (PS3.15 Annex B.1) against Orthanc with `DicomTlsEnabled`
//! (it then accepts TLS only), certificates of a test CA presented both ways: the search finds
//! the studies; C-MOVE to Passerelle comes back to its TLS listener and through ingest; C-GET
//! comes back on the TLS association; `passerelle find --tls` and `move --tls` work from the
//! command line; the same node marked plain gets nothing in clear and fails. (Fetch-back over
//! TLS: `fetchback.rs`.)

mod common;

use common::kinds;
use common::pacs::{Here, StudySpec, passerelle_with, study_uids, write_study};
use common::pki::{client_config_file, listener, orthanc_tls, set_node_tls, shared_pki};
use domain::NodeRole;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use server::db::index_entities::study;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn spec(id: &str, instances: usize) -> StudySpec<'_> {
    StudySpec {
        patient_name: "LAVOIE^SOPHIE",
        patient_id: id,
        study_date: "20260420",
        description: "TDM ABDOMEN",
        instances,
        pixel_bytes: 2048,
    }
}

async fn search(here: &mut Here, clinic: i64) -> Value {
    let a = here
        .admin
        .post_json(
            "/api/v1/query/studies",
            json!({ "clinic": clinic, "keys": { "patient_id": "TLS*" } }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

/// The instance count Passerelle indexed for `study_uid` (0 when unknown).
async fn indexed(here: &Here, study_uid: &str) -> i64 {
    let row = study::Entity::find()
        .filter(study::Column::StudyUid.eq(study_uid))
        .one(&here.t.db)
        .await
        .expect("study");
    row.map_or(0, |s| s.instance_count)
}

/// Runs a retrieve through the API to its end; returns the final job.
async fn retrieve(here: &mut Here, body: Value) -> Value {
    let a = here.admin.post_json("/api/v1/retrieves", body).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let id = a.json()["id"].as_i64().expect("id");
    here.wait_job(id, Duration::from_secs(60)).await
}

/// `passerelle ARGS` with the test CA's files named in a configuration file, off the runtime
/// (a C-MOVE comes back to the in-process listener meanwhile).
async fn cli(dir: &Path, data: &Path, args: &[&str]) -> (bool, String) {
    let file = client_config_file(dir, data);
    let data = data.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .arg("--config")
            .arg(&file)
            .arg("--data-dir")
            .arg(&data)
            .args(&args)
            .env("RUST_LOG", "error")
            .output()
    })
    .await
    .expect("task")
    .expect("passerelle");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_pacs_is_searched_and_retrieved_over_tls() {
    let dir = shared_pki();
    let mut here = passerelle_with(kinds()[0], Some(listener(dir))).await;
    let back = here.tls_port.expect("TLS listener");
    let pacs = orthanc_tls(dir, &[("PASSERELLE", back)]);
    let files = tempfile::tempdir().expect("dir");
    let (s1, f1) = write_study(files.path(), &spec("TLS1", 3));
    let (s2, f2) = write_study(files.path(), &spec("TLS2", 2));
    pacs.upload(&[f1, f2].concat()).await;
    let node = here
        .node("SECURE", "ORTHANC", pacs.dicom, NodeRole::Pacs)
        .await;
    set_node_tls(&here.t.db, node, true).await;
    let clinic = here.demo_clinic().await;

    let found = search(&mut here, clinic).await;
    let mut want = vec![s1.clone(), s2.clone()];
    want.sort();
    assert_eq!(study_uids(&found), want, "C-FIND over TLS: {found}");

    let rq = |method: Value, study: &str| json!({ "clinic": clinic, "node_id": node, "method": method, "study_uid": study });
    let j = retrieve(&mut here, rq(json!({ "kind": "move_here" }), &s1)).await;
    assert_eq!(
        j["state"], "completed",
        "C-MOVE over TLS, back over TLS: {j}"
    );
    assert_eq!(j["subops"]["completed"], 3, "{j}");
    let j = retrieve(&mut here, rq(json!({ "kind": "get" }), &s2)).await;
    assert_eq!(j["state"], "completed", "C-GET over TLS: {j}");
    assert_eq!(indexed(&here, &s1).await, 3, "moved here through ingest");
    assert_eq!(
        indexed(&here, &s2).await,
        2,
        "C-GET sub-operations ingested"
    );

    command_line(dir, pacs.dicom, &s1, &s2).await;

    set_node_tls(&here.t.db, node, false).await;
    let clear = search(&mut here, clinic).await;
    assert!(study_uids(&clear).is_empty(), "{clear}");
    let outcome = &clear["nodes"][0];
    assert!(
        outcome["error"]
            .as_str()
            .is_some_and(|e| e.contains("does it expect TLS?")),
        "the node marked plain fails, and the error says why: {outcome}"
    );
    here.t.finish().await;
}

/// `passerelle find --tls` and `move --tls` against the TLS PACS on `port`; without `--tls`
/// the PACS refuses.
async fn command_line(dir: &Path, port: u16, s1: &str, s2: &str) {
    let data = tempfile::tempdir().expect("data");
    let target = format!("ORTHANC@127.0.0.1:{port}");
    let (ok, out) = cli(dir, data.path(), &["migrate", "up"]).await;
    assert!(ok, "{out}");
    let find = [
        "find",
        "--tls",
        &target,
        "-k",
        "PatientID=TLS1",
        "-k",
        "StudyInstanceUID",
    ];
    let (ok, out) = cli(dir, data.path(), &find).await;
    assert!(ok && out.contains(s1), "passerelle find --tls: {out}");
    let key = format!("StudyInstanceUID={s2}");
    let mv = ["move", "--tls", &target, "--dest", "PASSERELLE", "-k", &key];
    let (ok, out) = cli(dir, data.path(), &mv).await;
    assert!(
        ok && out.contains("2 completed"),
        "passerelle move --tls: {out}"
    );
    let plain = ["find", &target, "-k", "PatientID=TLS1"];
    let (ok, out) = cli(dir, data.path(), &plain).await;
    assert!(!ok, "the TLS PACS refuses clear: {out}");
}
