//! The forwarding contract with the real binary: kill -9 during a forward of 1000 instances,
//! several times, and every acknowledged instance still reaches every routed destination
//! (checked by SOP Instance UID and content digest); and two processes on one PostgreSQL share
//! the queue without sending any job twice.

mod common;

use common::peers::{self, Proc, expected, free_port, missing, orthanc, storescp};
use common::routes::{Reach, destination, quick_retry, route_all};
use common::{Kind, TestDb, kinds};
use domain::Jurisdiction;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::db::routing_entities::forward_job as job;
use server::synth::{self, SynthTs};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn serve(data: &Path, db_url: &str, dicom: u16, batch: u32) -> Proc {
    let env = [
        ("PASSERELLE__FORWARD__LEASE_SECONDS", "3".to_owned()),
        ("PASSERELLE__FORWARD__POLL_MS", "100".to_owned()),
        ("PASSERELLE__FORWARD__BATCH_SIZE", batch.to_string()),
        ("PASSERELLE__FORWARD__RETENTION", "immediately".to_owned()),
    ];
    peers::serve(data, db_url, dicom, &env)
}

/// storescu of `files` to `dicom`; returns how many were acknowledged (success).
async fn storescu_acked(dicom: u16, files: Vec<PathBuf>) -> usize {
    tokio::task::spawn_blocking(move || {
        let out = Command::new("storescu")
            .env("TCP_NODELAY", "1")
            .arg("-v")
            .args(peers::DCMTK_WAIT)
            .args(["-aec", "PASSERELLE", "127.0.0.1", &dicom.to_string()])
            .args(&files)
            .output()
            .expect("storescu");
        String::from_utf8_lossy(&out.stderr)
            .matches("Received Store Response (Success)")
            .count()
    })
    .await
    .expect("join")
}

async fn done_count(t: &TestDb) -> u64 {
    job::Entity::find()
        .filter(job::Column::State.eq("done"))
        .count(&t.db)
        .await
        .expect("count")
}

async fn wait_done(t: &TestDb, at_least: u64, limit: Duration) -> u64 {
    let end = Instant::now() + limit;
    loop {
        let n = done_count(t).await;
        if n >= at_least || Instant::now() > end {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn prepare(kind: Kind) -> TestDb {
    let t = TestDb::new(kind).await;
    server::bootstrap::first_start(&t.db, &common::config(&t))
        .await
        .expect("bootstrap");
    t
}

async fn kill_during_forward(kind: Kind, scp: &peers::StoreScp, orth: &peers::Orthanc) {
    let t = prepare(kind).await;
    let db = &t.db;
    destination(
        db,
        "scp",
        Reach::Dimse {
            ae: "STORESCP",
            port: scp.port,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        10,
    )
    .await;
    destination(
        db,
        "orthanc",
        Reach::Dimse {
            ae: "ORTHANC",
            port: orth.dicom,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        10,
    )
    .await;
    route_all(db, &["scp", "orthanc"]).await;
    let dir = tempfile::tempdir().expect("dir");
    let files =
        synth::write_studies(dir.path(), 4, 250, 2 * 1024, SynthTs::ExplicitLe).expect("synth");
    let (data, dicom) = (t.path().join("data"), free_port());
    // Round 0: everything is sent (and forwarding starts at once).
    let server = serve(&data, &t.url, dicom, 16);
    assert_eq!(storescu_acked(dicom, files.clone()).await, files.len());
    // Then kill -9 three times while the 2000 jobs drain, restarting on the same data; the
    // kills come early enough (a tenth apart) that a restarted process, which drains fast once
    // outcomes are written a batch at a time, has not finished before the next one.
    let total = 2 * files.len() as u64;
    let mut server = Some(server);
    for round in 1..=3u64 {
        let reached = wait_done(&t, round * total / 10, Duration::from_secs(120)).await;
        assert!(
            reached < total,
            "round {round}: the kill must land mid-forward ({reached} done)"
        );
        if let Some(mut s) = server.take() {
            let _ = s.0.kill(); // SIGKILL
            let _ = s.0.wait();
        }
        server = Some(serve(&data, &t.url, dicom, 16));
    }
    let finished = wait_done(&t, total, Duration::from_secs(180)).await;
    drop(server);
    assert_eq!(finished, total, "every job eventually done");
    let want = expected(&files);
    assert_eq!(
        missing(&want, &scp.received()),
        Vec::<String>::new(),
        "storescp"
    );
    assert_eq!(
        missing(&want, &orth.received().await),
        Vec::<String>::new(),
        "Orthanc"
    );
    t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_forward_loses_nothing() {
    for kind in kinds() {
        let (scp, orth) = (storescp(&[]), orthanc());
        kill_during_forward(kind, &scp, &orth).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_postgresql_queue() {
    if !kinds().contains(&Kind::Postgres) {
        return;
    }
    let t = prepare(Kind::Postgres).await;
    let scp = storescp(&[]);
    destination(
        &t.db,
        "scp",
        Reach::Dimse {
            ae: "STORESCP",
            port: scp.port,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        10,
    )
    .await;
    route_all(&t.db, &["scp"]).await;
    let dir = tempfile::tempdir().expect("dir");
    let files =
        synth::write_studies(dir.path(), 20, 50, 2 * 1024, SynthTs::ExplicitLe).expect("synth");
    let (pa, pb) = (free_port(), free_port());
    // Processes sharing a queue share the spool too (one data directory, e.g. on shared storage).
    let data = t.path().join("data");
    let a = serve(&data, &t.url, pa, 10);
    let b = serve(&data, &t.url, pb, 10);
    // Each process receives half; both forward from the shared queue.
    let (half_a, half_b) = files.split_at(files.len() / 2);
    let (na, nb) = tokio::join!(
        storescu_acked(pa, half_a.to_vec()),
        storescu_acked(pb, half_b.to_vec())
    );
    assert_eq!(na + nb, files.len());
    let done = wait_done(&t, files.len() as u64, Duration::from_secs(120)).await;
    assert_eq!(done, files.len() as u64);
    let owners: HashSet<String> = job::Entity::find()
        .all(&t.db)
        .await
        .expect("jobs")
        .into_iter()
        .filter_map(|j| j.lease_owner)
        .collect();
    drop((a, b));
    let got = scp.received();
    assert_eq!(missing(&expected(&files), &got), Vec::<String>::new());
    let copies: usize = got.values().map(Vec::len).sum();
    assert_eq!(copies, files.len(), "no instance was sent twice");
    assert_eq!(owners.len(), 2, "both processes forwarded");
    t.finish().await;
}
