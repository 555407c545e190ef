//! Releasing spool copies (the spine's step 4): an instance whose every destination has
//! confirmed may leave the spool under the retention policy; the index keeps where it went.
//! The index is marked first, then the file removed: a crash in between leaves a stray file,
//! never an index pointing at a missing file it still needs.

use crate::config::{ForwardConfig, Retention};
use crate::db::RepoError;
use crate::db::queue as jobs;
use crate::storage::Spool;
use sea_orm::DatabaseConnection;

/// Called when jobs were confirmed: with `Retention::Immediately`, release their instances now.
pub async fn after_confirm(
    db: &DatabaseConnection,
    spool: &Spool,
    cfg: &ForwardConfig,
    instances: &[i64],
) {
    if cfg.retention != Retention::Immediately || instances.is_empty() {
        return;
    }
    match jobs::mark_purged(db, instances).await {
        Ok(files) => spool.release(&files),
        Err(e) => tracing::warn!(error = %e, "could not release forwarded instances"),
    }
}

/// Periodic sweep for `Retention::AfterDays` (and for anything `after_confirm` missed):
/// releases instances older than the retention whose every job is done.
pub async fn sweep(
    db: &DatabaseConnection,
    spool: &Spool,
    cfg: &ForwardConfig,
) -> Result<usize, RepoError> {
    let cutoff = match cfg.retention {
        Retention::Keep => return Ok(0),
        Retention::Immediately => crate::db::now(),
        Retention::AfterDays => crate::db::now() - i64::from(cfg.retention_days) * 86_400,
    };
    let mut total = 0;
    loop {
        let ids = jobs::releasable(db, cutoff, 500).await?;
        if ids.is_empty() {
            return Ok(total);
        }
        let files = jobs::mark_purged(db, &ids).await?;
        spool.release(&files);
        total += ids.len();
    }
}
