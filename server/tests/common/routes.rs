//! Routing setup for forwarding tests: remote nodes, destinations and rules written through
//! the repositories, and an in-process forwarder.

use super::rig::{Rig, storescu};
use domain::destination::{AuthKind, DestinationInput, DestinationName, Transport};
use domain::forward::RetryPolicy;
use domain::routing::{Action, Condition, Rule};
use domain::{AeTitle, ClinicId, Host, Jurisdiction, NodeRole, Port};
use sea_orm::DatabaseConnection;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::config::{ForwardConfig, Retention};
use server::db::network::{NodeWrite, save_node};
use server::db::routing_entities::forward_job as job;
use server::db::{routing, rules};
use server::queue::Forwarder;
use server::storage::Spool;
use server::synth::{self, SynthTs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How a test destination is reached.
pub enum Reach {
    Dimse { ae: &'static str, port: u16 },
    Stow { url: String, port: u16 },
}

/// Creates a node and a destination for it; returns the destination id.
pub async fn destination(
    db: &DatabaseConnection,
    name: &str,
    reach: Reach,
    jurisdiction: Jurisdiction,
    retry: RetryPolicy,
    timeout_seconds: u32,
) -> i64 {
    let (ae, port, transport, url) = match reach {
        Reach::Dimse { ae, port } => (ae, port, Transport::Dimse, String::new()),
        Reach::Stow { url, port } => ("STOW", port, Transport::Stow, url),
    };
    let node = save_node(
        db,
        None,
        NodeWrite {
            name: format!("{name} node"),
            ae_title: AeTitle::parse(ae).expect("ae"),
            host: Host::parse("127.0.0.1").expect("host"),
            port: Port::new(u32::from(port)).expect("port"),
            tls: false,
            role: NodeRole::Vna,
            jurisdiction,
            notes: String::new(),
            clinics: vec![ClinicId(1)],
        },
    )
    .await
    .expect("node");
    let input = DestinationInput {
        name: DestinationName::parse(name).expect("name"),
        node_id: node.id,
        transport,
        stow_url: url,
        auth: AuthKind::None,
        auth_user: String::new(),
        secret: None,
        enabled: true,
        max_concurrency: 2,
        retry,
        timeout_seconds,
    };
    routing::save(db, None, &input)
        .await
        .expect("destination")
        .id
}

/// A global rule sending everything to `destinations`.
pub async fn route_all(db: &DatabaseConnection, destinations: &[&str]) {
    let rule = Rule {
        name: "everything".into(),
        enabled: true,
        action: Action::Continue,
        fallback: false,
        destinations: destinations.iter().map(|d| d.to_string()).collect(),
        when: Condition::Always,
    };
    rules::save(db, None, None, &rule, "test")
        .await
        .expect("rule");
}

pub fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        base_seconds: 1,
        max_seconds: 2,
        max_attempts: 50,
    }
}

pub fn forward_config() -> ForwardConfig {
    ForwardConfig {
        lease_seconds: 5,
        poll_ms: 100,
        linger_ms: 50,
        retention: Retention::Immediately,
        ..ForwardConfig::default()
    }
}

/// Reloads the rig's router and starts workers; abort the handle to stop them.
pub async fn start_forwarder(r: &Rig) -> tokio::task::JoinHandle<()> {
    r.router.reload(&r.t.db).await.expect("router");
    let fwd = Forwarder::new(
        r.t.db.clone(),
        Spool::open_for_ingest(&r.spool_dir).expect("spool"),
        forward_config(),
        r.wake.clone(),
    );
    tokio::spawn(Arc::new(fwd).run())
}

/// Synthetic explicit-VR files of `studies` studies of `per_study` small CT instances.
pub fn files(r: &Rig, studies: usize, per_study: usize) -> Vec<PathBuf> {
    synth::write_studies(
        r.files.path(),
        studies,
        per_study,
        16 * 1024,
        SynthTs::ExplicitLe,
    )
    .expect("synth")
}

pub async fn jobs_of(r: &Rig, dest: i64) -> Vec<job::Model> {
    job::Entity::find()
        .filter(job::Column::DestinationId.eq(dest))
        .all(&r.t.db)
        .await
        .expect("jobs")
}

/// Waits until the jobs of `dest` are as `ready` wants (`what` names it in the failure).
pub async fn until_jobs(
    r: &Rig,
    dest: i64,
    limit: Duration,
    what: &str,
    ready: impl Fn(&[job::Model]) -> bool,
) -> Vec<job::Model> {
    let end = Instant::now() + limit;
    loop {
        let js = jobs_of(r, dest).await;
        if ready(&js) {
            return js;
        }
        assert!(
            Instant::now() < end,
            "jobs of destination {dest} not {what}: {:?}",
            js.iter()
                .map(|j| (&j.state, j.attempts, &j.last_error))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until every job of `dest` is in `state` (and there are `n`).
pub async fn until_all(
    r: &Rig,
    dest: i64,
    n: usize,
    state: &str,
    limit: Duration,
) -> Vec<job::Model> {
    until_jobs(r, dest, limit, &format!("all {state}"), |js| {
        js.len() == n && js.iter().all(|j| j.state == state)
    })
    .await
}

pub async fn send(r: &Rig, files: &[PathBuf]) {
    let (ok, out) = storescu(r.addr, &[], files).await;
    assert!(ok, "storescu: {out}");
}
