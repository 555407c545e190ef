//! Several received instances indexed in one transaction (group commit): on SQLite every
//! commit waits for its own flush of the write-ahead log, and writers take turns, so instances
//! arriving on several associations at once share one commit instead of queueing for one each.

use super::RepoError;
use super::id_cache::IdCache;
use super::index::{self, NewInstance, Parents};
use sea_orm::{TransactionSession, TransactionTrait};

/// The outcome of a group: every instance indexed, or none (rolled back).
#[derive(Debug)]
pub enum Group {
    /// All indexed, in one commit.
    Indexed,
    /// One of them is already indexed in its clinic (a duplicate): nothing was written; index
    /// them one by one so that each gets its own answer.
    Duplicate,
}

/// Indexes every instance of `batch` in one transaction, or none of them. The parents' ids
/// learned inside the transaction are used by the later instances of the batch (the shared
/// cache still holds the study's modalities as they were before it) and reach the shared
/// cache only once committed.
pub async fn insert_many(
    db: &impl TransactionTrait,
    batch: &[NewInstance<'_>],
    cache: &IdCache,
) -> Result<Group, RepoError> {
    let txn = db.begin().await?;
    let local = IdCache::default();
    let mut learned: Vec<Parents> = Vec::with_capacity(batch.len());
    for n in batch {
        let known = local
            .get(n)
            .or_else(|| (!local.knows_study(n)).then(|| cache.get(n)).flatten());
        let Some(p) = index::insert_in(&txn, n, known).await? else {
            txn.rollback().await?;
            return Ok(Group::Duplicate);
        };
        local.put(n, p.0, p.1.clone(), p.2);
        learned.push(p);
    }
    txn.commit().await?;
    for (n, p) in batch.iter().zip(learned) {
        cache.put(n, p.0, p.1, p.2);
    }
    Ok(Group::Indexed)
}
