//! Tests of the grouped index writer on SQLite: instances waiting together share one commit,
//! a duplicate among them still gets its own answer, and the study's counters and modalities
//! come out as if each had been indexed alone.

use super::IndexWriter;
use crate::db::id_cache::IdCache;
use crate::db::index::NewInstance;
use crate::db::index_entities::study;
use crate::db::queue::JobSeed;
use crate::db::{clinics, gate};
use crate::ingest::parse::Attrs;
use domain::{ClinicCode, ClinicId, ClinicName};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, EntityTrait};
use std::sync::Arc;
use std::time::Duration;

async fn fresh() -> (tempfile::TempDir, DatabaseConnection, ClinicId) {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("g.db").display());
    let db = crate::db::connect(&url, 4).await.expect("connect");
    Migrator::up(&db, None).await.expect("migrate");
    let code = ClinicCode::parse("GC").expect("code");
    let name = ClinicName::parse("Group commit").expect("name");
    let clinic = clinics::create(&db, &code, &name).await.expect("clinic");
    (dir, db, clinic.id)
}

fn attrs(study: &str, uid: &str, modality: &str) -> Attrs {
    Attrs {
        sop_class_uid: "1.2.840.10008.5.1.4.1.1.2".into(),
        sop_instance_uid: uid.into(),
        study_uid: study.into(),
        series_uid: format!("{study}.{modality}"),
        patient_key: "P1".into(),
        modality: modality.into(),
        ..Attrs::default()
    }
}

/// Indexes `a` with its forward `jobs` through `w`, the spool path named after the instance
/// and `tag`.
async fn insert(w: &IndexWriter, clinic: ClinicId, a: Attrs, tag: &str, jobs: &[JobSeed]) -> bool {
    let path = format!("ab/{}-{tag}", a.sop_instance_uid);
    let n = NewInstance {
        clinic,
        attrs: &a,
        transfer_syntax: "1.2.840.10008.1.2.1",
        size: 1000,
        digest: tag,
        spool_path: &path,
        calling_ae: "MODALITY",
        called_ae: "PASSERELLE",
        route_facts: "{}",
        jobs,
    };
    w.insert(n).await.expect("index")
}

/// What `while_gated` indexes: attributes, a tag for the spool path, forward jobs.
type Entry = (Attrs, &'static str, Vec<JobSeed>);

/// Starts one insert per entry, in order, while the write gate is held, then
/// releases the gate; returns their answers in order.
async fn while_gated(
    db: &DatabaseConnection,
    w: &Arc<IndexWriter>,
    clinic: ClinicId,
    all: Vec<Entry>,
) -> Vec<bool> {
    let held = gate::write(db).await;
    let mut tasks = Vec::new();
    for (a, tag, jobs) in all {
        let w = w.clone();
        tasks.push(tokio::spawn(async move {
            insert(&w, clinic, a, tag, &jobs).await
        }));
        // Queued in this order.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(held);
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_waiting_together_share_one_commit() {
    let (_dir, db, clinic) = fresh().await;
    let w = Arc::new(IndexWriter::new(db.clone(), Arc::new(IdCache::default())));
    let all: Vec<_> = (0..8)
        .map(|i| {
            let modality = if i % 2 == 0 { "CT" } else { "SR" };
            (attrs("1.2.3", &format!("1.2.3.{i}"), modality), "a", vec![])
        })
        .collect();
    let answers = while_gated(&db, &w, clinic, all).await;
    assert_eq!(answers, vec![true; 8]);
    assert_eq!(
        w.transactions(),
        1,
        "eight waiting instances, one transaction"
    );
    let studies = study::Entity::find().all(&db).await.expect("studies");
    assert_eq!(studies.len(), 1);
    assert_eq!(studies[0].instance_count, 8);
    assert_eq!(
        studies[0].modalities, "CT\\SR",
        "each instance's modality kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_in_a_group_is_answered_alone() {
    let (_dir, db, clinic) = fresh().await;
    let w = Arc::new(IndexWriter::new(db.clone(), Arc::new(IdCache::default())));
    assert!(insert(&w, clinic, attrs("1.2.4", "1.2.4.0", "CT"), "first", &[]).await);
    let all = vec![
        (attrs("1.2.4", "1.2.4.1", "CT"), "a", vec![]),
        (attrs("1.2.4", "1.2.4.0", "CT"), "again", vec![]),
        (attrs("1.2.4", "1.2.4.2", "MR"), "b", vec![]),
    ];
    let answers = while_gated(&db, &w, clinic, all).await;
    assert_eq!(answers, vec![true, false, true]);
    // One grouped attempt rolled back, then one transaction each.
    assert_eq!(w.transactions(), 1 + 1 + 3);
    let studies = study::Entity::find().all(&db).await.expect("studies");
    assert_eq!(studies.len(), 1);
    assert_eq!(studies[0].instance_count, 3, "the duplicate counted once");
    assert_eq!(studies[0].modalities, "CT\\MR");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_reads_what_it_changed_not_the_cache() {
    let (_dir, db, clinic) = fresh().await;
    let w = Arc::new(IndexWriter::new(db.clone(), Arc::new(IdCache::default())));
    // The shared cache now holds the study with modalities "CT" and its CT series.
    assert!(insert(&w, clinic, attrs("1.2.5", "1.2.5.0", "CT"), "first", &[]).await);
    // In one group: a new SR series (the study becomes CT\SR), then an instance of the cached
    // series that says PR: its update must start from CT\SR, not from the cached CT.
    let mut odd = attrs("1.2.5", "1.2.5.2", "PR");
    odd.series_uid = "1.2.5.CT".into();
    let all = vec![
        (attrs("1.2.5", "1.2.5.1", "SR"), "a", vec![]),
        (odd, "b", vec![]),
    ];
    let answers = while_gated(&db, &w, clinic, all).await;
    assert_eq!(answers, vec![true, true]);
    assert_eq!(w.transactions(), 2, "one alone, then one group of two");
    let studies = study::Entity::find().all(&db).await.expect("studies");
    assert_eq!(studies[0].modalities, "CT\\PR\\SR");
}

/// A destination to seed jobs for.
async fn destination(db: &DatabaseConnection) -> i64 {
    use domain::destination::{AuthKind, DestinationInput, DestinationName, Transport};
    use domain::{AeTitle, Host, Jurisdiction, NodeRole, Port};
    let node = crate::db::network::NodeWrite {
        name: "vna".into(),
        ae_title: AeTitle::parse("VNA").expect("ae"),
        host: Host::parse("127.0.0.1").expect("host"),
        port: Port::new(104).expect("port"),
        tls: false,
        role: NodeRole::Vna,
        jurisdiction: Jurisdiction::Quebec,
        notes: String::new(),
        clinics: vec![ClinicId(1)],
    };
    let node = crate::db::network::save_node(db, None, node)
        .await
        .expect("node");
    let input = DestinationInput {
        name: DestinationName::parse("vna").expect("name"),
        node_id: node.id,
        transport: Transport::Dimse,
        stow_url: String::new(),
        auth: AuthKind::None,
        auth_user: String::new(),
        secret: None,
        enabled: true,
        max_concurrency: 1,
        retry: domain::forward::RetryPolicy {
            base_seconds: 1,
            max_seconds: 2,
            max_attempts: 3,
        },
        timeout_seconds: 5,
    };
    crate::db::routing::save(db, None, &input)
        .await
        .expect("destination")
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_seeds_each_instance_its_own_jobs() {
    use crate::db::index_entities::instance;
    use crate::db::routing_entities::forward_job;
    let (_dir, db, clinic) = fresh().await;
    let dest = destination(&db).await;
    let w = Arc::new(IndexWriter::new(db.clone(), Arc::new(IdCache::default())));
    // Every other instance is routed.
    let all = (0..4)
        .map(|i| {
            let jobs = (i % 2 == 0)
                .then(|| JobSeed {
                    destination_id: dest,
                    rule_name: "r".into(),
                    held_reason: None,
                })
                .into_iter()
                .collect();
            (attrs("1.2.6", &format!("1.2.6.{i}"), "CT"), "a", jobs)
        })
        .collect();
    let answers = while_gated(&db, &w, clinic, all).await;
    assert_eq!(answers, vec![true; 4]);
    assert_eq!(
        w.transactions(),
        1,
        "four waiting instances, one transaction"
    );
    let jobs = forward_job::Entity::find().all(&db).await.expect("jobs");
    let instances = instance::Entity::find().all(&db).await.expect("instances");
    let uid_of = |id: i64| {
        instances
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.sop_instance_uid.clone())
            .unwrap_or_default()
    };
    let mut routed: Vec<String> = jobs.iter().map(|j| uid_of(j.instance_id)).collect();
    routed.sort();
    assert_eq!(routed, vec!["1.2.6.0".to_owned(), "1.2.6.2".to_owned()]);
}
