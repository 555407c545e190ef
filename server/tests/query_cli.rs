//! `passerelle find` and `passerelle move` (DCMTK-like) against dcmqrscp: wildcard search
//! printing the asked attributes, a C-MOVE to an Orthanc with progress, and the clear error of
//! a move destination the PACS does not know.

mod common;

use common::pacs::{StudySpec, dcmqrscp, load, write_study};
use common::peers::orthanc;
use std::process::Command;

fn passerelle(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .expect("passerelle");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_and_move_from_the_command_line() {
    let vna = orthanc();
    let qr = dcmqrscp(&[("ORTHANC", vna.dicom)]);
    let files = tempfile::tempdir().expect("dir");
    let spec = StudySpec {
        patient_name: "CÔTÉ^ÉLISE",
        patient_id: "C1",
        study_date: "20260315",
        description: "ECHO",
        instances: 3,
        pixel_bytes: 2048,
    };
    let (uid, f) = write_study(files.path(), &spec);
    load("PACS", qr.port, &f);
    let target = format!("PACS@127.0.0.1:{}", qr.port);
    let data = tempfile::tempdir().expect("data");
    let data_dir = data.path().to_str().expect("utf-8").to_owned();
    let (ok, _, err) = passerelle(&["--data-dir", &data_dir, "migrate", "up"]);
    assert!(ok, "{err}");

    let (ok, out, err) = passerelle(&[
        "--data-dir",
        &data_dir,
        "find",
        &target,
        "-k",
        "PatientID=C*",
        "-k",
        "StudyInstanceUID",
        "-k",
        "StudyDate=20260101-20261231",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains(&format!("StudyInstanceUID={uid}")), "{out}");
    assert!(err.contains("1 answer"), "{err}");
    let (ok, out, _) = passerelle(&[
        "find",
        &target,
        "-k",
        "PatientID=Z*",
        "-k",
        "StudyInstanceUID",
    ]);
    assert!(
        ok && !out.contains("StudyInstanceUID="),
        "nothing matches: {out}"
    );

    let (ok, out, err) = passerelle(&[
        "--data-dir",
        &data_dir,
        "move",
        &target,
        "--dest",
        "ORTHANC",
        "-k",
        &format!("StudyInstanceUID={uid}"),
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("3 completed, 0 failed"), "{out}");
    assert_eq!(vna.count().await, 3);

    let (ok, _, err) = passerelle(&[
        "move",
        &target,
        "--dest",
        "NOWHERE",
        "-k",
        &format!("StudyInstanceUID={uid}"),
    ]);
    assert!(!ok);
    assert!(err.contains("does not know the move destination"), "{err}");
    let (ok, _, err) = passerelle(&["find", &target, "-k", "NoSuchAttribute=1"]);
    assert!(!ok && err.contains("unknown attribute"), "{err}");

    let url = format!("sqlite://{data_dir}/passerelle.db");
    let db = server::db::connect(&url, 1).await.expect("db");
    let rows = server::db::audit::list(&db, &domain::Scope::All, None, 10)
        .await
        .expect("audit");
    let actions: Vec<(&str, &str, Option<i32>)> = rows
        .iter()
        .map(|r| (r.action.as_str(), r.outcome.as_str(), r.result_count))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("retrieve", "completed", Some(3)),
            ("query", "success", Some(1))
        ],
        "CLI runs are audited"
    );
    assert!(
        rows[1].actor.starts_with("cli:") && rows[1].detail.contains("C*"),
        "{:?}",
        rows[1]
    );
}
