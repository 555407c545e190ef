//! `passerelle serve`: the web UI and APIs, the DICOM listeners (plain, per-AE ports, TLS), the
//! HL7 MLLP listeners, the forward workers, the retrieve runner and the periodic housekeeping, until a shutdown signal.

use crate::auth::{DbSessionStore, password};
use crate::bootstrap;
use crate::commands::open_db;
use crate::config::Config;
use crate::db;
use crate::dimse::{DedicatedPorts, DicomListener, ScpConfig};
use crate::ingest::Ingest;
use crate::queue::Forwarder;
use crate::state::AppState;
use crate::storage::Spool;
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::session_store::ExpiredDeletion;

/// Runs the web server until Ctrl-C / SIGTERM.
pub async fn serve(cfg: Config) -> anyhow::Result<()> {
    // Before the DICOM listener starts, so that no association goes uncounted.
    crate::telemetry::install();
    let d = &cfg.dicom;
    if d.tls_ca_file.is_some() || d.tls_cert_file.is_some() {
        crate::dimse::tls::install(d).context("DICOM TLS files ([dicom] tls_*)")?;
        crate::dimse::tls::check_expiry(d);
    }
    let db = open_db(&cfg).await?;
    db::migrate_up(&db).await.context("applying migrations")?;
    if let Some(b) = bootstrap::first_start(&db, &cfg).await? {
        match b.generated_password {
            Some(p) => println!(
                "First start: created clinic DEMO and user `admin` with password: {p}\n\
                 (shown once; change it after signing in, or set PASSERELLE__BOOTSTRAP__ADMIN_PASSWORD)"
            ),
            None => println!(
                "First start: created clinic DEMO and user `admin` (password from configuration)."
            ),
        }
    }
    password::warm_up();
    let addr = cfg.server.http_addr;
    let state = AppState::new(db.clone(), cfg);
    state
        .registry
        .reload(&db)
        .await
        .context("loading the DICOM network configuration")?;
    let dicom = start_dicom(&state).await?;
    for a in crate::hl7::start(&state).await? {
        println!("HL7 MLLP listener on {a}");
    }
    spawn_housekeeping(&state);
    tokio::spawn(crate::workflow::completeness::run(
        state.db.clone(),
        Duration::from_secs(5),
    ));
    let router = crate::http::router(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (server.http_addr)"))?;
    println!("Passerelle listening on http://{addr}");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    dicom.abort();
    Ok(())
}

/// Binds the DICOM listener and runs it in the background.
async fn start_dicom(state: &AppState) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let d = &state.config.dicom;
    let spool_dir = state.config.server.data_dir.join("spool");
    let spool = Spool::open_for_ingest(&spool_dir)
        .with_context(|| format!("cannot open the spool in {}", spool_dir.display()))?;
    state
        .router
        .reload(&state.db)
        .await
        .context("cannot load the routing rules")?;
    let ingest = Arc::new(Ingest::new(
        state.db.clone(),
        spool.clone(),
        d.conflict_policy,
        state.router.clone(),
        state.wake.clone(),
    ));
    let _ = state.ingest.set(ingest.clone());
    start_workers(state, &spool, &ingest);
    spawn_release_sweep(state, spool);
    start_listeners(state, ingest).await
}

/// The forward workers and the retrieve runner, when this process runs them.
fn start_workers(state: &AppState, spool: &Spool, ingest: &Arc<Ingest>) {
    let d = &state.config.dicom;
    if state.config.forward.workers {
        let fwd = Forwarder::new(
            state.db.clone(),
            spool.clone(),
            state.config.forward.clone(),
            state.wake.clone(),
        )
        .watching(state.destinations_epoch.clone());
        tokio::spawn(Arc::new(fwd).run());
    }
    if state.config.query.workers {
        let runner = crate::qr::RetrieveRunner {
            db: state.db.clone(),
            ingest: ingest.clone(),
            config: state.config.query.clone(),
            max_dataset: d.max_dataset_mib as usize * 1024 * 1024,
            wake: state.retrieve_wake.clone(),
            owner: uuid::Uuid::new_v4().to_string(),
        };
        tokio::spawn(Arc::new(runner).run());
    }
}

/// The DICOM listeners: the main one (every local AE title), the dedicated ports, TLS.
async fn start_listeners(
    state: &AppState,
    ingest: Arc<Ingest>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let d = &state.config.dicom;
    let scp = ScpConfig {
        max_dataset: d.max_dataset_mib as usize * 1024 * 1024,
        max_associations: d.max_associations as usize,
        max_pdu: d.max_pdu,
        idle_timeout: Duration::from_secs(u64::from(d.idle_timeout_seconds)),
        association_deadline: Duration::from_secs(u64::from(d.association_timeout_seconds)),
    };
    // One cap for every listener (PS3.8 §9.3.4 "local limit exceeded" beyond it).
    let slots = Arc::new(tokio::sync::Semaphore::new(scp.max_associations));
    let ports = DedicatedPorts::new(
        d.listen.ip(),
        scp.clone(),
        state.registry.clone(),
        Some(ingest.clone()),
    );
    tokio::spawn(ports.sharing(slots.clone()).run());
    if let Some(addr) = d.tls_listen {
        let tls = (scp.clone(), slots.clone());
        start_tls_listener(state, addr, tls, ingest.clone()).await?;
    }
    let listener = DicomListener::bind(d.listen, scp, state.registry.clone(), Some(ingest))
        .await
        .with_context(|| format!("cannot listen on {} (dicom.listen)", d.listen))?
        .sharing(slots);
    let titles: Vec<String> = state
        .registry
        .snapshot()
        .locals
        .keys()
        .map(|a| a.to_string())
        .collect();
    println!(
        "DICOM listener on {} (AE titles: {})",
        d.listen,
        titles.join(", ")
    );
    Ok(tokio::spawn(listener.run()))
}

/// The listener that accepts DICOM TLS only (`[dicom] tls_listen`, PS3.15 Annex B.1).
async fn start_tls_listener(
    state: &AppState,
    addr: std::net::SocketAddr,
    (scp, slots): (ScpConfig, Arc<tokio::sync::Semaphore>),
    ingest: Arc<Ingest>,
) -> anyhow::Result<()> {
    let tls =
        crate::dimse::tls::server_source(&state.config.dicom).context("DICOM TLS listener")?;
    let l = DicomListener::bind(addr, scp, state.registry.clone(), Some(ingest))
        .await
        .with_context(|| format!("cannot listen on {addr} (dicom.tls_listen)"))?;
    println!("DICOM TLS listener on {addr}");
    if state.config.dicom.tls_client_ca_file.is_none() {
        tracing::warn!(%addr, "the DICOM TLS listener asks callers for no certificate (dicom.tls_client_ca_file unset): admission is by AE title only");
    }
    tokio::spawn(l.tls(tls).sharing(slots).run());
    Ok(())
}

/// Releases forwarded instances whose retention has passed, every few minutes.
fn spawn_release_sweep(state: &AppState, spool: Spool) {
    let (db, cfg) = (state.db.clone(), state.config.forward.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            match crate::queue::release::sweep(&db, &spool, &cfg).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(instances = n, "released forwarded instances from the spool")
                }
                Err(e) => tracing::warn!(error = %e, "release sweep failed"),
            }
        }
    });
}

fn spawn_housekeeping(state: &AppState) {
    let store = DbSessionStore::new(state.db.clone());
    let limiter = state.limiter.clone();
    let (registry, db) = (state.registry.clone(), state.db.clone());
    let router = state.router.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            limiter.prune();
            // Other Passerelle processes on the same database may have changed the network.
            if let Err(e) = registry.reload(&db).await {
                tracing::warn!(error = %e, "could not reload the DICOM network configuration");
            }
            if let Err(e) = router.reload(&db).await {
                tracing::warn!(error = %e, "could not reload the routing rules");
            }
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
            if let Err(e) = db::maintenance::refresh_statistics(&db).await {
                tracing::warn!(error = %e, "could not refresh the query planner's statistics");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
