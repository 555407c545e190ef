//! Forwarding guards against real receivers: the Quebec residency guard (held until an
//! assessment is recorded), STOW-RS partial failures (only the failed instances retried), a
//! damaged spool copy (not sent: a dead letter with the reason, sent once the sender's retry
//! has repaired it).

mod common;

use common::peers::{expected, missing, orthanc, storescp};
use common::rig::{rig, spool_files};
use common::routes::{
    Reach, destination, files, jobs_of, quick_retry, route_all, send, start_forwarder, until_all,
    until_jobs,
};
use common::{Kind, kinds};
use domain::Jurisdiction;
use domain::routing::PiaRecord;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::db::routing_entities::forward_job as job;
use server::ingest::ConflictPolicy;
use std::time::Duration;

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
    let js = until_jobs(&r, d, Duration::from_secs(30), "2 done, 2 retried", |js| {
        let other: Vec<_> = js.iter().filter(|j| j.state != "done").collect();
        js.len() - other.len() == 2 && other.len() == 2 && other.iter().all(|j| j.attempts >= 2)
    })
    .await;
    let (done, other): (Vec<_>, Vec<_>) = js.iter().partition(|j| j.state == "done");
    assert!(
        done.iter().all(|j| j.attempts == 1),
        "stored ones were sent once: {js:?}"
    );
    assert!(
        other.iter().all(|j| j.last_status == Some(0x0110)),
        "{js:?}"
    );
    fwd.abort();
    assert_eq!(vna.count().await, 2);
    r.t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_spool_copy_is_not_sent() {
    for kind in kinds() {
        let r = rig(kind, ConflictPolicy::KeepBoth).await;
        let db = &r.t.db;
        let scp = storescp(&[]);
        let reach = Reach::Dimse {
            ae: "STORESCP",
            port: scp.port,
        };
        let d = destination(db, "vna", reach, Jurisdiction::Quebec, quick_retry(), 5).await;
        route_all(db, &["vna"]).await;
        r.router.reload(db).await.expect("router");
        let files = files(&r, 1, 3);
        send(&r, &files).await;
        // One spool copy no longer holds what was received (a disk fault, or a power loss
        // between the index commit and the file's fsync of an unacknowledged instance).
        let spooled = spool_files(&r.spool_dir);
        let mut bytes = std::fs::read(&spooled[0]).expect("read");
        let half = bytes.len() / 2;
        bytes[half..].fill(0);
        std::fs::write(&spooled[0], bytes).expect("damage");
        let fwd = start_forwarder(&r).await;
        let js = until_jobs(&r, d, Duration::from_secs(30), "2 done, 1 dead", |js| {
            let count = |s: &str| js.iter().filter(|j| j.state == s).count();
            count("done") == 2 && count("dead") == 1
        })
        .await;
        let dead = js.iter().find(|j| j.state == "dead").expect("dead");
        let reason = dead.last_error.as_deref().unwrap_or("");
        assert!(reason.contains("damaged"), "{reason}");
        assert_eq!(dead.attempts, 1, "a permanent failure: one try");
        assert_eq!(scp.received().len(), 2, "the damaged copy was not sent");
        // The sender sends the study again: the damaged copy is written again from it, and
        // its job goes back to the queue and is sent.
        send(&r, &files).await;
        until_all(&r, d, files.len(), "done", Duration::from_secs(30)).await;
        fwd.abort();
        assert_eq!(
            missing(&expected(&files), &scp.received()),
            Vec::<String>::new()
        );
        r.t.finish().await;
    }
}
