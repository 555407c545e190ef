//! A TLS configuration that follows its files: each new association asks for the current one,
//! and when a certificate, key or CA file has changed since (modification or status-change
//! time, size, inode: a rename, a copy or a permission fix all count), the configuration is
//! built again, so a renewed certificate is used without a restart. A change that does not
//! build (a half-written key, a key that does not match) keeps the last good configuration,
//! is logged and counted (`passerelle_tls_reload_failures_total`).

use super::tls::TlsError;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

/// What identifies a version of a file (None: unreadable).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    /// Status change time and inode, where the platform has them.
    changed: (i64, i64, u64),
}

type Build<T> = Box<dyn Fn() -> Result<Arc<T>, TlsError> + Send + Sync>;

pub struct Reloading<T> {
    files: Vec<PathBuf>,
    build: Build<T>,
    state: Mutex<(Vec<Option<Stamp>>, Arc<T>)>,
}

fn stamp(file: &PathBuf) -> Option<Stamp> {
    let m = std::fs::metadata(file).ok()?;
    #[cfg(unix)]
    let changed = {
        use std::os::unix::fs::MetadataExt;
        (m.ctime(), m.ctime_nsec(), m.ino())
    };
    #[cfg(not(unix))]
    let changed = (0, 0, 0);
    Some(Stamp {
        modified: m.modified().ok(),
        len: m.len(),
        changed,
    })
}

fn stamps(files: &[PathBuf]) -> Vec<Option<Stamp>> {
    files.iter().map(stamp).collect()
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

    fn lock(&self) -> MutexGuard<'_, (Vec<Option<Stamp>>, Arc<T>)> {
        match self.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The configuration for a new association, built again first if a file changed (the
    /// build runs without the lock held; two callers racing may both build, one result wins).
    pub fn current(&self) -> Arc<T> {
        let now = stamps(&self.files);
        {
            let state = self.lock();
            if state.0 == now {
                return state.1.clone();
            }
        }
        let built = (self.build)();
        let mut state = self.lock();
        if state.0 != now {
            match built {
                Ok(fresh) => {
                    tracing::info!(files = ?self.files, "DICOM TLS files changed: configuration reloaded");
                    state.1 = fresh;
                }
                Err(e) => {
                    crate::telemetry::tls_reload_failed();
                    tracing::warn!(error = %e, "DICOM TLS files changed but cannot be used: the previous configuration stays");
                }
            }
            state.0 = now;
        }
        state.1.clone()
    }
}
