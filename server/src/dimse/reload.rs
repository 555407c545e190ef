//! A TLS configuration that follows its files: each new association asks for the current one,
//! and when a certificate, key or CA file has changed since (its modification time or size),
//! the configuration is built again, so a renewed certificate is used without a restart. A
//! change that does not build (a half-written key, a key that does not match) keeps the last
//! good configuration and is logged once.

use super::tls::TlsError;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// What identifies a version of a file: modification time and length (None: unreadable).
type Stamp = Option<(SystemTime, u64)>;

type Build<T> = Box<dyn Fn() -> Result<Arc<T>, TlsError> + Send + Sync>;

pub struct Reloading<T> {
    files: Vec<PathBuf>,
    build: Build<T>,
    state: Mutex<(Vec<Stamp>, Arc<T>)>,
}

fn stamps(files: &[PathBuf]) -> Vec<Stamp> {
    files
        .iter()
        .map(|f| {
            let m = std::fs::metadata(f).ok()?;
            Some((m.modified().ok()?, m.len()))
        })
        .collect()
}

impl<T: Send + Sync + 'static> Reloading<T> {
    /// Builds the first configuration (an error is returned, as at start-up) and remembers the
    /// state of `files`, the files `build` reads.
    pub fn new(
        files: Vec<PathBuf>,
        build: impl Fn() -> Result<Arc<T>, TlsError> + Send + Sync + 'static,
    ) -> Result<Self, TlsError> {
        let seen = stamps(&files);
        let first = build()?;
        Ok(Self {
            files,
            build: Box::new(build),
            state: Mutex::new((seen, first)),
        })
    }

    /// A configuration that never changes (no files).
    pub fn fixed(config: Arc<T>) -> Self {
        let same = config.clone();
        Self {
            files: Vec::new(),
            build: Box::new(move || Ok(same.clone())),
            state: Mutex::new((Vec::new(), config)),
        }
    }

    /// The configuration for a new association, built again first if a file changed.
    pub fn current(&self) -> Arc<T> {
        let now = stamps(&self.files);
        let mut state = match self.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if state.0 != now {
            match (self.build)() {
                Ok(fresh) => {
                    tracing::info!(files = ?self.files, "DICOM TLS files changed: configuration reloaded");
                    state.1 = fresh;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "DICOM TLS files changed but cannot be used: the previous configuration stays");
                }
            }
            state.0 = now;
        }
        state.1.clone()
    }
}
