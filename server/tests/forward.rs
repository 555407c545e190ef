//! Store-and-forward against real receivers (DCMTK storescp, Orthanc by C-STORE, Orthanc by
//! STOW-RS): fan-out, a destination down then up, a silent one, a permanent refusal and what an
//! operator does about it. Each instance is checked by SOP Instance UID and content digest.

mod common;

use common::peers::{self, expected, missing, orthanc, storescp};
use common::rig::{Rig, rig, spool_files};
use common::routes::{
    Reach, destination, files, jobs_of, quick_retry, route_all, send, start_forwarder, until_all,
    until_jobs,
};
use common::{Kind, kinds};
use domain::Jurisdiction;
use server::db::routing_entities::forward_job as job;
use server::ingest::ConflictPolicy;
use std::time::{Duration, Instant};

async fn fan_out(kind: Kind, scp: &peers::StoreScp, a: &peers::Orthanc, b: &peers::Orthanc) {
    let r = rig(kind, ConflictPolicy::KeepBoth).await;
    let db = &r.t.db;
    let d1 = destination(
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
    let d2 = destination(
        db,
        "orthanc-dimse",
        Reach::Dimse {
            ae: "ORTHANC",
            port: a.dicom,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        10,
    )
    .await;
    let d3 = destination(
        db,
        "orthanc-stow",
        Reach::Stow {
            url: b.stow_url(),
            port: b.http,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        10,
    )
    .await;
    route_all(db, &["scp", "orthanc-dimse", "orthanc-stow"]).await;
    let fwd = start_forwarder(&r).await;
    let files = files(&r, 2, 6);
    send(&r, &files).await;
    for d in [d1, d2, d3] {
        until_all(&r, d, files.len(), "done", Duration::from_secs(60)).await;
    }
    fwd.abort();
    let want = expected(&files);
    assert_eq!(
        missing(&want, &scp.received()),
        Vec::<String>::new(),
        "storescp"
    );
    assert_eq!(
        missing(&want, &a.received().await),
        Vec::<String>::new(),
        "Orthanc C-STORE"
    );
    assert_eq!(
        missing(&want, &b.received().await),
        Vec::<String>::new(),
        "Orthanc STOW-RS"
    );
    // Every destination confirmed: the spool copies are released (just after the outcomes are
    // committed, so wait for it briefly), the index remembers.
    let end = Instant::now() + Duration::from_secs(5);
    while !spool_files(&r.spool_dir).is_empty() {
        assert!(Instant::now() < end, "released from the spool");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    r.t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_study_fans_out_to_three_destinations() {
    let scp = storescp(&[]);
    let (a, b) = (orthanc(), orthanc());
    for kind in kinds() {
        fan_out(kind, &scp, &a, &b).await;
    }
}

async fn down_then_up(kind: Kind) {
    let r = rig(kind, ConflictPolicy::KeepBoth).await;
    let db = &r.t.db;
    let up = storescp(&[]);
    let later_port = peers::free_port();
    let d_up = destination(
        db,
        "up",
        Reach::Dimse {
            ae: "STORESCP",
            port: up.port,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        5,
    )
    .await;
    let d_down = destination(
        db,
        "down",
        Reach::Dimse {
            ae: "STORESCP",
            port: later_port,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        5,
    )
    .await;
    route_all(db, &["up", "down"]).await;
    let fwd = start_forwarder(&r).await;
    let files = files(&r, 1, 10);
    send(&r, &files).await;
    // The healthy destination is not held back by the one that is down.
    until_all(&r, d_up, files.len(), "done", Duration::from_secs(30)).await;
    let waiting = jobs_of(&r, d_down).await;
    assert!(
        waiting
            .iter()
            .all(|j| j.state != "done" && j.state != "dead")
    );
    // Its first refused attempt may be recorded a moment after the healthy one finished.
    let retried = |js: &[job::Model]| js.iter().any(|j| j.attempts >= 1 && j.last_error.is_some());
    let js = until_jobs(&r, d_down, Duration::from_secs(10), "retried", retried).await;
    assert!(js.iter().all(|j| j.state != "done" && j.state != "dead"));
    let back = peers::storescp_on(later_port, &[]);
    until_all(&r, d_down, files.len(), "done", Duration::from_secs(30)).await;
    fwd.abort();
    assert_eq!(
        missing(&expected(&files), &back.received()),
        Vec::<String>::new()
    );
    r.t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_down_then_up_drains_its_backlog() {
    for kind in kinds() {
        down_then_up(kind).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_destination_times_out_and_frees_the_worker() {
    let r = rig(Kind::Sqlite, ConflictPolicy::KeepBoth).await;
    let db = &r.t.db;
    // Accepts TCP connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    let held = std::thread::spawn(move || {
        let mut keep = Vec::new();
        for s in silent.incoming().flatten().take(50) {
            keep.push(s);
        }
    });
    let ok = storescp(&[]);
    let d_silent = destination(
        db,
        "silent",
        Reach::Dimse {
            ae: "SILENT",
            port: silent_port,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        1,
    )
    .await;
    let d_ok = destination(
        db,
        "ok",
        Reach::Dimse {
            ae: "STORESCP",
            port: ok.port,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        5,
    )
    .await;
    route_all(db, &["silent", "ok"]).await;
    let fwd = start_forwarder(&r).await;
    let files = files(&r, 1, 4);
    send(&r, &files).await;
    until_all(&r, d_ok, files.len(), "done", Duration::from_secs(30)).await;
    // Within a few timeouts the silent destination's jobs were tried more than once: the
    // worker was freed each time instead of hanging.
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let js = jobs_of(&r, d_silent).await;
        if js.iter().all(|j| j.attempts >= 2) {
            assert!(js.iter().all(|j| j.state != "done"));
            let err = js[0].last_error.clone().unwrap_or_default();
            assert!(
                err.contains("timeout") || err.contains("timed out"),
                "{err}"
            );
            break;
        }
        assert!(
            Instant::now() < end,
            "silent destination not retried: {js:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    fwd.abort();
    drop(held);
    r.t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_refusal_goes_to_dead_letters_after_one_try() {
    for kind in kinds() {
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
        let db = &r.t.db;
        let refusing = storescp(&["--refuse"]);
        let d = destination(
            db,
            "refusing",
            Reach::Dimse {
                ae: "STORESCP",
                port: refusing.port,
            },
            Jurisdiction::Quebec,
            quick_retry(),
            5,
        )
        .await;
        route_all(db, &["refusing"]).await;
        let fwd = start_forwarder(&r).await;
        let files = files(&r, 1, 3);
        send(&r, &files).await;
        let js = until_all(&r, d, files.len(), "dead", Duration::from_secs(30)).await;
        fwd.abort();
        assert!(js.iter().all(|j| j.attempts == 1), "one try: {js:?}");
        assert!(
            js[0]
                .last_error
                .as_deref()
                .unwrap_or("")
                .contains("rejected")
        );
        // Not confirmed anywhere: the spool keeps the instances.
        assert_eq!(spool_files(&r.spool_dir).len(), files.len());
        operator_fixes_and_retries(&r, d, &js).await;
        r.t.finish().await;
    }
}

/// The operator cancels one dead letter, points the destination at a working receiver and
/// retries the others: they are sent and released; the cancelled one stays in the spool (a
/// cancellation is not a confirmation), even after a retention sweep.
async fn operator_fixes_and_retries(r: &Rig, d: i64, dead: &[job::Model]) {
    use server::db::transfers;
    let db = &r.t.db;
    assert!(
        transfers::cancel(db, dead[0].id, "admin")
            .await
            .expect("cancel")
    );
    assert!(
        !transfers::cancel(db, dead[0].id, "admin")
            .await
            .expect("again"),
        "only once"
    );
    let working = storescp(&[]);
    let dest = server::db::routing::get(db, d).await.expect("destination");
    let node = server::db::network::node(db, &domain::Scope::All, dest.node_id)
        .await
        .expect("node");
    let write = server::db::network::NodeWrite {
        name: node.name.clone(),
        ae_title: node.ae_title.clone(),
        host: node.host.clone(),
        port: domain::Port::new(u32::from(working.port)).expect("port"),
        tls: false,
        role: node.role,
        jurisdiction: node.jurisdiction,
        notes: String::new(),
        clinics: node.clinics.clone(),
    };
    server::db::network::save_node(db, Some(node.id), write)
        .await
        .expect("node");
    assert_eq!(transfers::retry(db, None, Some(d)).await.expect("retry"), 2);
    let fwd = start_forwarder(r).await;
    let end = Instant::now() + Duration::from_secs(30);
    while jobs_of(r, d)
        .await
        .iter()
        .filter(|j| j.state == "done")
        .count()
        < 2
    {
        assert!(Instant::now() < end, "retried jobs not sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fwd.abort();
    assert_eq!(working.received().len(), 2);
    // The release follows the commit of the outcomes.
    while spool_files(&r.spool_dir).len() > 1 && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        spool_files(&r.spool_dir).len(),
        1,
        "the cancelled one is kept"
    );
    let mut cfg = common::routes::forward_config();
    cfg.retention = server::config::Retention::AfterDays;
    cfg.retention_days = 0;
    let spool = server::storage::Spool::open(&r.spool_dir).expect("spool");
    let n = server::queue::release::sweep(db, &spool, &cfg)
        .await
        .expect("sweep");
    assert_eq!((n, spool_files(&r.spool_dir).len()), (0, 1));
}
