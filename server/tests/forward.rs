//! Store-and-forward against real receivers (DCMTK storescp, Orthanc by C-STORE, Orthanc by
//! STOW-RS): fan-out, a destination down then up, a silent one, a permanent refusal, the
//! residency guard. Each instance is checked by SOP Instance UID and content digest.

mod common;

use common::peers::{self, expected, missing, orthanc, storescp};
use common::rig::{Rig, rig, spool_files, storescu};
use common::routes::{Reach, destination, quick_retry, route_all, start_forwarder};
use common::{Kind, kinds};
use domain::Jurisdiction;
use domain::routing::PiaRecord;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::db::routing_entities::forward_job as job;
use server::ingest::ConflictPolicy;
use server::synth::{self, SynthTs};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn files(r: &Rig, studies: usize, per_study: usize) -> Vec<PathBuf> {
    synth::write_studies(
        r.files.path(),
        studies,
        per_study,
        16 * 1024,
        SynthTs::ExplicitLe,
    )
    .expect("synth")
}

async fn jobs_of(r: &Rig, dest: i64) -> Vec<job::Model> {
    job::Entity::find()
        .filter(job::Column::DestinationId.eq(dest))
        .all(&r.t.db)
        .await
        .expect("jobs")
}

/// Waits until every job of `dest` is in `state` (and there are `n`).
async fn until_all(r: &Rig, dest: i64, n: usize, state: &str, limit: Duration) -> Vec<job::Model> {
    let end = Instant::now() + limit;
    loop {
        let js = jobs_of(r, dest).await;
        if js.len() == n && js.iter().all(|j| j.state == state) {
            return js;
        }
        assert!(
            Instant::now() < end,
            "jobs of destination {dest} not all {state}: {:?}",
            js.iter()
                .map(|j| (&j.state, &j.last_error))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn send(r: &Rig, files: &[PathBuf]) {
    let (ok, out) = storescu(r.addr, &[], files).await;
    assert!(ok, "storescu: {out}");
}

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
    // Every destination confirmed: the spool copies are released, the index remembers.
    assert!(
        spool_files(&r.spool_dir).is_empty(),
        "released from the spool"
    );
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
    assert!(
        waiting
            .iter()
            .any(|j| j.attempts >= 1 && j.last_error.is_some()),
        "retried"
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn residency_guard_holds_until_an_assessment_is_recorded() {
    for kind in kinds() {
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
        let db = &r.t.db;
        let abroad = storescp(&[]);
        let d = destination(
            db,
            "abroad",
            Reach::Dimse {
                ae: "STORESCP",
                port: abroad.port,
            },
            Jurisdiction::OutsideCanada,
            quick_retry(),
            5,
        )
        .await;
        route_all(db, &["abroad"]).await;
        let fwd = start_forwarder(&r).await;
        let files = files(&r, 1, 3);
        send(&r, &files).await;
        let js = until_all(&r, d, files.len(), "held", Duration::from_secs(10)).await;
        assert!(
            js[0].last_error.as_deref().unwrap_or("").contains("Law 25"),
            "{js:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(abroad.received().is_empty(), "nothing left Quebec");
        let events = server::db::index_entities::ingest_event::Entity::find()
            .filter(server::db::index_entities::ingest_event::Column::Kind.eq("residency_held"))
            .all(db)
            .await
            .expect("events");
        assert_eq!(events.len(), files.len(), "each held instance is recorded");
        let pia = PiaRecord {
            reference: "EFVP-2026-014".into(),
            recorded_by: "admin".into(),
            recorded_at: 1_790_000_000,
        };
        let released = server::db::routing::record_pia(db, d, &pia)
            .await
            .expect("pia");
        assert_eq!(released, files.len() as u64);
        r.wake.notify_one();
        until_all(&r, d, files.len(), "done", Duration::from_secs(30)).await;
        fwd.abort();
        assert_eq!(
            missing(&expected(&files), &abroad.received()),
            Vec::<String>::new()
        );
        r.t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stow_retries_only_the_instances_the_peer_did_not_store() {
    let vna = orthanc();
    let r = rig(Kind::Sqlite, ConflictPolicy::KeepBoth).await;
    let db = &r.t.db;
    let d = destination(
        db,
        "vna",
        Reach::Stow {
            url: vna.stow_url(),
            port: vna.http,
        },
        Jurisdiction::Quebec,
        quick_retry(),
        10,
    )
    .await;
    route_all(db, &["vna"]).await;
    r.router.reload(db).await.expect("router");
    let files = files(&r, 2, 2);
    send(&r, &files).await;
    // Put the second study's jobs in the first study's request: Orthanc stores the first
    // study's instances and lists the others in the Failed SOP Sequence (0110, study mismatch).
    let js = jobs_of(&r, d).await;
    let first = js[0].study_uid.clone();
    job::Entity::update_many()
        .col_expr(
            job::Column::StudyUid,
            sea_orm::sea_query::Expr::value(first.clone()),
        )
        .filter(job::Column::DestinationId.eq(d))
        .exec(db)
        .await
        .expect("update");
    let fwd = start_forwarder(&r).await;
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let js = jobs_of(&r, d).await;
        let done: Vec<_> = js.iter().filter(|j| j.state == "done").collect();
        let other: Vec<_> = js.iter().filter(|j| j.state != "done").collect();
        if done.len() == 2 && other.len() == 2 && other.iter().all(|j| j.attempts >= 2) {
            assert!(
                done.iter().all(|j| j.attempts == 1),
                "stored ones were sent once: {js:?}"
            );
            assert!(
                other.iter().all(|j| j.last_status == Some(0x0110)),
                "{js:?}"
            );
            break;
        }
        assert!(Instant::now() < end, "{js:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    fwd.abort();
    assert_eq!(vna.count().await, 2);
    r.t.finish().await;
}
