//! The index writer of C-STORE ingest. On SQLite, writers take turns and every commit waits for
//! its own flush of the write-ahead log, so with several associations storing at once each
//! instance queued for the gate behind the others' flushes (2.4 ms median wait on four
//! associations here, for a 0.9 ms transaction). One writer task indexes whatever instances are
//! waiting when it is free in one transaction (group commit): each caller still gets its answer
//! only after the commit that holds its instance. PostgreSQL commits concurrently and keeps one
//! transaction per instance.

use super::parse::Attrs;
use crate::db::id_cache::IdCache;
use crate::db::index::{self, NewInstance};
use crate::db::index_batch::{self, Group};
use crate::db::queue::JobSeed;
use crate::db::{RepoError, gate};
use domain::ClinicId;
use sea_orm::{DatabaseBackend, DatabaseConnection, DbErr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The most instances committed together.
const MAX_GROUP: usize = 64;

/// What a `NewInstance` borrows, owned, to cross to the writer task.
struct Owned {
    clinic: ClinicId,
    attrs: Attrs,
    transfer_syntax: String,
    size: i64,
    digest: String,
    spool_path: String,
    calling_ae: String,
    called_ae: String,
    route_facts: String,
    jobs: Vec<JobSeed>,
}

impl Owned {
    fn of(n: &NewInstance<'_>) -> Self {
        Self {
            clinic: n.clinic,
            attrs: n.attrs.clone(),
            transfer_syntax: n.transfer_syntax.to_owned(),
            size: n.size,
            digest: n.digest.to_owned(),
            spool_path: n.spool_path.to_owned(),
            calling_ae: n.calling_ae.to_owned(),
            called_ae: n.called_ae.to_owned(),
            route_facts: n.route_facts.to_owned(),
            jobs: n.jobs.to_vec(),
        }
    }

    fn view(&self) -> NewInstance<'_> {
        NewInstance {
            clinic: self.clinic,
            attrs: &self.attrs,
            transfer_syntax: &self.transfer_syntax,
            size: self.size,
            digest: &self.digest,
            spool_path: &self.spool_path,
            calling_ae: &self.calling_ae,
            called_ae: &self.called_ae,
            route_facts: &self.route_facts,
            jobs: &self.jobs,
        }
    }
}

/// An instance waiting for the writer, and where its answer goes.
struct Waiting {
    instance: Owned,
    reply: oneshot::Sender<Result<bool, RepoError>>,
}

/// Indexes received instances: `Ok(true)` once committed, `Ok(false)` when the SOP Instance
/// UID is already indexed in the clinic (nothing written), as `index::insert`.
pub struct IndexWriter {
    db: DatabaseConnection,
    ids: Arc<IdCache>,
    /// The writer task's queue (SQLite only).
    queue: Option<mpsc::UnboundedSender<Waiting>>,
    /// Index transactions the writer task attempted (a group counts once).
    #[cfg(test)]
    commits: Arc<AtomicU64>,
}

impl IndexWriter {
    /// On SQLite, starts the writer task (it ends when the writer is dropped); needs a runtime.
    pub fn new(db: DatabaseConnection, ids: Arc<IdCache>) -> Self {
        let commits = Arc::new(AtomicU64::new(0));
        let queue = (db.get_database_backend() == DatabaseBackend::Sqlite).then(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run(db.clone(), ids.clone(), commits.clone(), rx));
            tx
        });
        Self {
            db,
            ids,
            queue,
            #[cfg(test)]
            commits,
        }
    }

    /// Index transactions the writer task attempted so far (SQLite; a group counts once).
    #[cfg(test)]
    pub fn transactions(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    pub async fn insert(&self, n: NewInstance<'_>) -> Result<bool, RepoError> {
        let Some(queue) = &self.queue else {
            let _gate = gate::write(&self.db).await;
            return index::insert(&self.db, n, &self.ids).await;
        };
        let (reply, answer) = oneshot::channel();
        let gone = || RepoError::Db(DbErr::Custom("the index writer stopped".into()));
        queue
            .send(Waiting {
                instance: Owned::of(&n),
                reply,
            })
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// Takes the first waiting instance, waits for the write gate, then takes every other instance
/// that arrived meanwhile, and indexes them.
async fn run(
    db: DatabaseConnection,
    ids: Arc<IdCache>,
    commits: Arc<AtomicU64>,
    mut rx: mpsc::UnboundedReceiver<Waiting>,
) {
    while let Some(first) = rx.recv().await {
        let _gate = gate::write(&db).await;
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(w) => group.push(w),
                Err(_) => break,
            }
        }
        let n = write_group(&db, &ids, group).await;
        commits.fetch_add(n, Ordering::Relaxed);
    }
}

/// One transaction for the group; if that cannot be (a duplicate among them, or an error),
/// one transaction per instance, so that each gets its own answer. Returns how many
/// transactions were attempted.
async fn write_group(db: &DatabaseConnection, ids: &IdCache, group: Vec<Waiting>) -> u64 {
    if group.len() > 1 {
        let views: Vec<NewInstance<'_>> = group.iter().map(|w| w.instance.view()).collect();
        match index_batch::insert_many(db, &views, ids).await {
            Ok(Group::Indexed) => {
                drop(views);
                for w in group {
                    let _ = w.reply.send(Ok(true));
                }
                return 1;
            }
            Ok(Group::Duplicate) => {}
            Err(e) => {
                ids.clear();
                tracing::warn!(error = %e, "group index transaction failed; one by one");
            }
        }
    }
    let mut n = u64::from(group.len() > 1);
    for w in group {
        let r = index::insert(db, w.instance.view(), ids).await;
        let _ = w.reply.send(r);
        n += 1;
    }
    n
}

#[cfg(test)]
#[path = "group_tests.rs"]
mod tests;
