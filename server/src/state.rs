//! Shared application state handed to every handler.

use crate::auth::LoginLimiter;
use crate::config::Config;
use crate::dicomweb::access::AccessLog;
use crate::dimse::AeRegistry;
use crate::ingest::Ingest;
use crate::routing::Router;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};
use tokio::sync::Notify;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub limiter: Arc<LoginLimiter>,
    /// Local AE titles and known nodes, as the DICOM listener sees them.
    pub registry: Arc<AeRegistry>,
    /// Routing rules and destinations, compiled.
    pub router: Arc<Router>,
    /// Wakes the forward workers (new jobs, retries, resumed destinations).
    pub wake: Arc<Notify>,
    /// Counts changes of destinations and rules made here, so that the forward workers read
    /// the destinations again at once (changes by other processes are seen within a second).
    pub destinations_epoch: Arc<AtomicU64>,
    /// Wakes the retrieve runner (a job was queued).
    pub retrieve_wake: Arc<Notify>,
    /// The ingest pipeline (C-STORE, C-GET and STOW-RS), set once the spool is open.
    pub ingest: Arc<OnceLock<Arc<Ingest>>>,
    pub leptos: LeptosOptions,
    /// Recent DICOMweb accesses already in the audit trail (one row per access per window).
    pub dicomweb_access: Arc<AccessLog>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config) -> Self {
        let a = &config.auth;
        let limiter = LoginLimiter::new(
            a.account_burst,
            a.account_refill_seconds,
            a.address_burst,
            a.address_refill_seconds,
        );
        let leptos = LeptosOptions::builder()
            .output_name("passerelle")
            .site_root(config.server.site_dir.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(config.server.http_addr)
            .build();
        Self {
            db,
            config: Arc::new(config),
            limiter: Arc::new(limiter),
            registry: Arc::new(AeRegistry::default()),
            router: Arc::new(Router::default()),
            wake: Arc::new(Notify::new()),
            destinations_epoch: Arc::new(AtomicU64::new(0)),
            retrieve_wake: Arc::new(Notify::new()),
            ingest: Arc::new(OnceLock::new()),
            leptos,
            dicomweb_access: Arc::new(AccessLog::default()),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}
