//! One writer at a time per SQLite file inside this process. SQLite lets a single connection
//! write at once; a second writer is turned away with SQLITE_BUSY and its busy handler *sleeps*
//! (1, 2, 5, 10 … ms) before trying again, so four associations storing at once each waited
//! milliseconds for a lock that was free again after a few hundred microseconds. The hot write
//! paths take this gate first, so they queue in order instead of sleeping: the repository
//! functions that write on a `DatabaseConnection` (queue claim / finish / lease renewal / spool
//! release, index retract / replace) take it themselves; the ingest index transactions, which
//! also run inside a caller's transaction, are gated by ingest. Anything else that writes still works
//! through the busy handler. PostgreSQL locks rows and needs no gate.

use sea_orm::{DatabaseBackend, DatabaseConnection};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::OwnedMutexGuard;

type Gates = Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>;

fn gates() -> &'static Gates {
    static GATES: OnceLock<Gates> = OnceLock::new();
    GATES.get_or_init(Default::default)
}

/// Held while a write transaction runs; releases the gate when dropped.
#[must_use = "the gate is released as soon as the guard is dropped"]
pub struct WriteGuard {
    _guard: Option<OwnedMutexGuard<()>>,
}

/// Waits for the write gate of `db`'s SQLite file (at once on PostgreSQL). Take it before
/// `begin()`, never while holding a connection or another gate of the same file.
pub async fn write(db: &DatabaseConnection) -> WriteGuard {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return WriteGuard { _guard: None };
    }
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_path_buf();
    let gate = {
        let mut map = gates()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.entry(file).or_default().clone()
    };
    WriteGuard {
        _guard: Some(gate.lock_owned().await),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_sqlite_writer_at_a_time_per_file() {
        let dir = tempfile::tempdir().expect("dir");
        let url = |n: &str| format!("sqlite://{}?mode=rwc", dir.path().join(n).display());
        let a = crate::db::connect(&url("a.db"), 2).await.expect("a");
        let a2 = crate::db::connect(&url("a.db"), 2).await.expect("a again");
        let b = crate::db::connect(&url("b.db"), 2).await.expect("b");
        let held = write(&a).await;
        let same = tokio::time::timeout(std::time::Duration::from_millis(50), write(&a2)).await;
        assert!(same.is_err(), "a second writer of a.db waits");
        let other = tokio::time::timeout(std::time::Duration::from_millis(50), write(&b)).await;
        assert!(other.is_ok(), "b.db has its own gate");
        drop(held);
        let again = tokio::time::timeout(std::time::Duration::from_millis(50), write(&a2)).await;
        assert!(again.is_ok(), "released on drop");
    }
}
