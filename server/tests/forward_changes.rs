//! A destination and rule added through the API are used at once by the running forward
//! workers (not a second later, when they would read the destinations again anyway): an
//! instance received right after the change reaches DCMTK storescp within half a second.

mod common;

use common::peers::storescp;
use common::rig::store_synthetic;
use common::routes::forward_config;
use common::{Client, TestDb, app, kinds};
use domain::{AeTitle, ClinicId, Host, Jurisdiction, NodeRole, Port};
use http::StatusCode;
use serde_json::json;
use server::db::network::{NodeWrite, save_node};
use server::ingest::{ConflictPolicy, Ingest};
use server::queue::Forwarder;
use server::storage::Spool;
use server::synth::{self, StudyIds};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn run(kind: common::Kind) {
    let scp = storescp(&[]);
    let t = TestDb::new(kind).await;
    let (router, state) = app(&t).await;
    let mut adm = Client::new(router);
    assert_eq!(
        adm.login("admin", "correct horse battery").await.status,
        StatusCode::OK
    );
    let spool_dir = t.path().join("spool");
    let fwd = Forwarder::new(
        t.db.clone(),
        Spool::open_for_ingest(&spool_dir).expect("spool"),
        forward_config(),
        state.wake.clone(),
    )
    .watching(state.destinations_epoch.clone());
    let workers = tokio::spawn(Arc::new(fwd).run());
    // The workers have read the destinations (none yet); the next periodic read is ~1 s away.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let node = NodeWrite {
        name: "scp node".into(),
        ae_title: AeTitle::parse("STORESCP").expect("ae"),
        host: Host::parse("127.0.0.1").expect("host"),
        port: Port::new(u32::from(scp.port)).expect("port"),
        tls: false,
        role: NodeRole::Vna,
        jurisdiction: Jurisdiction::Quebec,
        notes: String::new(),
        clinics: vec![ClinicId(1)],
    };
    let node = save_node(&t.db, None, node).await.expect("node");
    let r = adm
        .post_json(
            "/api/v1/destinations",
            json!({ "name": "scp", "node_id": node.id, "transport": "dimse", "enabled": true,
                    "max_concurrency": 1, "timeout_seconds": 10,
                    "retry": { "base_seconds": 1, "max_seconds": 2, "max_attempts": 5 } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rule = json!({ "clinic": null, "rule": { "name": "all", "destinations": ["scp"], "when": { "op": "always" } } });
    let r = adm.post_json("/api/v1/rules", rule).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let changed = Instant::now();
    let ingest = Ingest::new(
        t.db.clone(),
        Spool::open_for_ingest(&spool_dir).expect("spool"),
        ConflictPolicy::KeepBoth,
        state.router.clone(),
        state.wake.clone(),
    );
    let ids = StudyIds::new(1);
    let stored = store_synthetic(&ingest, 1, &ids, &synth::new_uid(), 1, 64).await;
    assert_eq!(stored.status, 0);
    while scp.received().is_empty() {
        assert!(
            changed.elapsed() < Duration::from_secs(10),
            "never forwarded"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = changed.elapsed();
    assert!(
        took < Duration::from_millis(500),
        "forwarded {took:?} after the destination was added"
    );
    workers.abort();
    t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_added_through_the_api_is_used_at_once() {
    for kind in kinds() {
        run(kind).await;
    }
}
