//! Durable ingest (the spine's steps 1–2): parse, check, write the spool file durably, index in
//! one transaction, and only then answer success. Statuses follow PS3.4 Annex B.2.3 and PS3.7
//! Annex C: 0000 success, B000 warning, 0117 invalid SOP instance, A700 out of resources,
//! A900 data set does not match SOP class, C000 cannot understand.

mod batch;
mod group;
pub mod parse;

use crate::db::id_cache::IdCache;
use crate::db::index::{self, Existing, NewInstance};
use crate::db::queue::JobSeed;
use crate::routing::Router;
use crate::storage::{MetaInfo, Spool};
use domain::ClinicId;
use parse::Attrs;
use sea_orm::DatabaseConnection;

use std::sync::Arc;
use tokio::sync::Notify;

pub const SUCCESS: u16 = 0x0000;
pub const WARNING_NOT_STORED: u16 = 0xB000;
pub const INVALID_SOP_INSTANCE: u16 = 0x0117;
pub const OUT_OF_RESOURCES: u16 = 0xA700;
pub const DOES_NOT_MATCH_SOP_CLASS: u16 = 0xA900;
pub const CANNOT_UNDERSTAND: u16 = 0xC000;

/// Data sets up to this size are parsed and digested on the association's task (blake3 and the
/// attribute parse take ~0.1 ms for 330 KB here); larger ones on the blocking pool.
const INLINE_PARSE_MAX: usize = 2 << 20;

pub use crate::config::ConflictPolicy;

/// One C-STORE to make durable.
pub struct StoreRequest {
    pub clinic: ClinicId,
    pub calling_ae: String,
    pub called_ae: String,
    /// Affected SOP Class / Instance UIDs of the command set.
    pub command_sop_class: String,
    pub command_sop_instance: String,
    pub transfer_syntax: String,
    pub dataset: Vec<u8>,
}

/// The answer for the C-STORE-RSP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreResult {
    pub status: u16,
    pub comment: Option<String>,
}

impl StoreResult {
    fn ok() -> Self {
        Self {
            status: SUCCESS,
            comment: None,
        }
    }
    fn fail(status: u16, comment: impl Into<String>) -> Self {
        Self {
            status,
            comment: Some(comment.into()),
        }
    }
    /// The class of the status (PS3.7 §C): `success`, `warning` (0001, Bxxx) or `failure`.
    pub fn outcome(&self) -> &'static str {
        match self.status {
            SUCCESS => "success",
            0x0001 | 0xB000..=0xBFFF => "warning",
            _ => "failure",
        }
    }
}

/// What the index records of the checked instance `c`, stored at `path`, with its routing.
fn new_instance<'a>(
    rq: &'a StoreRequest,
    c: &'a Checked,
    path: &'a str,
    size: u64,
    facts: &'a str,
    jobs: &'a [JobSeed],
) -> NewInstance<'a> {
    NewInstance {
        clinic: rq.clinic,
        attrs: &c.attrs,
        transfer_syntax: &rq.transfer_syntax,
        size: size as i64,
        digest: &c.digest,
        spool_path: path,
        calling_ae: &rq.calling_ae,
        called_ae: &rq.called_ae,
        route_facts: facts,
        jobs,
    }
}

pub struct Ingest {
    db: DatabaseConnection,
    spool: Spool,
    policy: ConflictPolicy,
    ids: Arc<IdCache>,
    /// The C-STORE index transactions (grouped on SQLite).
    writer: group::IndexWriter,
    router: Arc<Router>,
    /// Wakes the forward workers when jobs were created.
    wake: Arc<Notify>,
}

struct Checked {
    attrs: Attrs,
    digest: String,
    /// The Part-10 header of the spool file, built once per instance.
    header: Arc<Vec<u8>>,
    /// Shared with the blocking write task instead of copied.
    dataset: Arc<Vec<u8>>,
}

impl Checked {
    fn file_size(&self) -> u64 {
        (self.header.len() + self.dataset.len()) as u64
    }
}

impl Ingest {
    /// The database the listener's other services (worklist, MPPS) read and write.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The spool the listener's retrieve services read (and fetch released copies back into).
    pub fn spool(&self) -> &Spool {
        &self.spool
    }

    pub fn new(
        db: DatabaseConnection,
        spool: Spool,
        policy: ConflictPolicy,
        router: Arc<Router>,
        wake: Arc<Notify>,
    ) -> Self {
        let ids = Arc::new(IdCache::default());
        Self {
            writer: group::IndexWriter::new(db.clone(), ids.clone()),
            db,
            spool,
            policy,
            ids,
            router,
            wake,
        }
    }

    /// The routing facts (JSON, kept on the series) and the forward jobs of an instance.
    fn route(&self, rq: &StoreRequest, c: &Checked) -> (String, Vec<JobSeed>) {
        let facts = self
            .router
            .facts(rq.clinic, &c.attrs, &rq.calling_ae, &rq.called_ae);
        let seeds = self.router.seeds(rq.clinic, &facts);
        (serde_json::to_string(&facts).unwrap_or_default(), seeds)
    }

    fn wake_workers(&self, seeds: &[JobSeed]) {
        if seeds.iter().any(|s| s.held_reason.is_none()) {
            self.wake.notify_one();
        }
    }

    /// Parses and digests the data set: on the calling task when it is small (a few hundred
    /// microseconds at most; a hand-off to the blocking pool and back costs two thread wake-ups
    /// per instance), on the blocking pool otherwise.
    async fn parse_and_digest(
        dataset: Vec<u8>,
        ts: String,
        inline: bool,
    ) -> Result<(Result<Attrs, parse::ParseError>, String, Vec<u8>), StoreResult> {
        let small = inline && dataset.len() <= INLINE_PARSE_MAX;
        let work = move || {
            let attrs = parse::parse(&dataset, &ts);
            let digest = crate::storage::digest(&dataset);
            (attrs, digest, dataset)
        };
        if small {
            return Ok(work());
        }
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| StoreResult::fail(OUT_OF_RESOURCES, "internal task failed"))
    }

    /// Parses and checks the data set against the command; `inline` allows a small data set to
    /// be parsed on the calling task (one C-STORE at a time; a STOW-RS batch uses the pool so
    /// that its parts are parsed in parallel and no runtime thread is held for the whole batch).
    async fn check(&self, rq: &mut StoreRequest, inline: bool) -> Result<Checked, StoreResult> {
        let dataset = std::mem::take(&mut rq.dataset);
        let ts = rq.transfer_syntax.clone();
        let (attrs, digest, dataset) = Self::parse_and_digest(dataset, ts, inline).await?;
        let attrs = attrs.map_err(|e| match e {
            parse::ParseError::Missing(_) => {
                StoreResult::fail(DOES_NOT_MATCH_SOP_CLASS, e.to_string())
            }
            _ => StoreResult::fail(CANNOT_UNDERSTAND, e.to_string()),
        })?;
        let cmd_instance = rq.command_sop_instance.trim_end_matches(['\0', ' ']);
        if attrs.sop_instance_uid != cmd_instance {
            return Err(StoreResult::fail(
                INVALID_SOP_INSTANCE,
                "SOP Instance UID of the command and of the data set differ",
            ));
        }
        if attrs.sop_class_uid != rq.command_sop_class.trim_end_matches(['\0', ' ']) {
            return Err(StoreResult::fail(
                DOES_NOT_MATCH_SOP_CLASS,
                "SOP Class UID of the command and of the data set differ",
            ));
        }
        let meta = MetaInfo {
            sop_class_uid: &attrs.sop_class_uid,
            sop_instance_uid: &attrs.sop_instance_uid,
            transfer_syntax: &rq.transfer_syntax,
        };
        let header = Spool::header(&meta)
            .map_err(|e| StoreResult::fail(CANNOT_UNDERSTAND, e.to_string()))?;
        Ok(Checked {
            attrs,
            digest,
            header: Arc::new(header),
            dataset: Arc::new(dataset),
        })
    }

    /// Writes the spool file on the blocking pool.
    async fn write_at(
        &self,
        c: &Checked,
        rel: &str,
        create: bool,
    ) -> Result<crate::storage::Stored, StoreResult> {
        let spool = self.spool.clone();
        let (header, data, rel) = (c.header.clone(), c.dataset.clone(), rel.to_owned());
        tokio::task::spawn_blocking(move || spool.write_at(&rel, &header, &data, create))
            .await
            .map_err(|_| StoreResult::fail(OUT_OF_RESOURCES, "internal task failed"))?
            .map_err(|e| {
                tracing::error!(error = %e, "spool write failed");
                StoreResult::fail(OUT_OF_RESOURCES, "storage unavailable")
            })
    }

    /// Makes one instance durable and indexed; the answer is success only if both happened.
    pub async fn store(&self, rq: StoreRequest) -> StoreResult {
        let (started, bytes) = (std::time::Instant::now(), rq.dataset.len());
        let r = self.store_one(rq).await;
        let seconds = started.elapsed().as_secs_f64();
        crate::telemetry::received("dimse", r.outcome(), bytes, seconds);
        r
    }

    async fn store_one(&self, mut rq: StoreRequest) -> StoreResult {
        let rq = &mut rq;
        let checked = match self.check(rq, true).await {
            Ok(c) => c,
            Err(r) => {
                tracing::warn!(status = r.status, comment = ?r.comment, "C-STORE refused");
                return r;
            }
        };
        // Duplicates are rare: the instance is written and indexed straight away; the unique
        // index on (clinic, SOP Instance UID) reports a duplicate, which is then resolved.
        self.first(rq, &checked).await
    }

    /// Writes the file and runs the index transaction side by side (each pays its own fsync),
    /// and answers success only when both are durable. If the index commits and the file write
    /// fails, the row is retracted before answering; if the process dies in between, nothing was
    /// acknowledged, and the sender's retry finds the damaged file and rewrites it (`duplicate`).
    async fn first(&self, rq: &StoreRequest, c: &Checked) -> StoreResult {
        let rel = Spool::new_path();
        let (facts, seeds) = self.route(rq, c);
        let n = new_instance(rq, c, &rel, c.file_size(), &facts, &seeds);
        let (written, indexed) = tokio::join!(self.write_at(c, &rel, true), self.writer.insert(n));
        match (written, indexed) {
            (Ok(_), Ok(true)) => {
                self.wake_workers(&seeds);
                StoreResult::ok()
            }
            (written, Ok(false)) => {
                // Already indexed (a retry, or another association first): resolve as duplicate.
                if written.is_ok() {
                    self.spool.remove(&rel);
                }
                match index::find(&self.db, rq.clinic, &c.attrs.sop_instance_uid).await {
                    Ok(Some(old)) => Box::pin(self.duplicate(rq, c, old)).await,
                    _ => StoreResult::fail(OUT_OF_RESOURCES, "index unavailable"),
                }
            }
            (Err(r), Ok(true)) => {
                if let Err(e) = index::retract(&self.db, rq.clinic, &rel).await {
                    tracing::error!(error = %e, "could not retract an instance whose file failed");
                }
                r
            }
            (written, Err(e)) => {
                tracing::error!(error = %e, "index transaction failed");
                if written.is_ok() {
                    self.spool.remove(&rel);
                }
                StoreResult::fail(OUT_OF_RESOURCES, "index unavailable")
            }
        }
    }

    /// The same data set again: success if the spool copy is intact. Otherwise (indexed but
    /// never made durable, the process died before the answer; or damaged since) it is written
    /// again from this one, and forwards refused because of the damage are queued again.
    async fn identical(&self, rq: &StoreRequest, c: &Checked, old: Existing) -> StoreResult {
        tracing::debug!(uid = %c.attrs.sop_instance_uid, "identical duplicate");
        let (spool, path, size) = (self.spool.clone(), old.spool_path.clone(), old.size);
        let digest = old.digest.clone();
        let intact = move || spool.intact(&path, size as u64, &digest);
        if tokio::task::spawn_blocking(intact).await.unwrap_or(false) {
            return StoreResult::ok();
        }
        tracing::warn!(uid = %c.attrs.sop_instance_uid, "repairing a damaged spool file");
        let stored = match self.write_at(c, &old.spool_path, false).await {
            Ok(s) => s,
            Err(r) => return r,
        };
        let size = stored.size as i64;
        match crate::db::repair::repaired(&self.db, old.id, size, &rq.transfer_syntax).await {
            Ok(requeued) => {
                if requeued > 0 {
                    self.wake.notify_one();
                }
                StoreResult::ok()
            }
            Err(e) => {
                tracing::error!(error = %e, "could not record a repaired spool file");
                StoreResult::fail(OUT_OF_RESOURCES, "index unavailable")
            }
        }
    }

    async fn duplicate(&self, rq: &StoreRequest, c: &Checked, old: Existing) -> StoreResult {
        if old.digest == c.digest {
            return self.identical(rq, c, old).await;
        }
        let uid = &c.attrs.sop_instance_uid;
        match self.policy {
            ConflictPolicy::Reject => {
                let _ = index::event(
                    &self.db,
                    Some(rq.clinic),
                    "conflict_rejected",
                    uid,
                    &rq.calling_ae,
                    "same SOP Instance UID, different content; first version kept",
                )
                .await;
                StoreResult::fail(
                    WARNING_NOT_STORED,
                    "conflicting duplicate not stored: same SOP Instance UID, different content",
                )
            }
            ConflictPolicy::KeepBoth => {
                let stored = match self.write_at(c, &Spool::new_path(), true).await {
                    Ok(s) => s,
                    Err(r) => return r,
                };
                let (facts, seeds) = self.route(rq, c);
                let n = new_instance(rq, c, &stored.rel_path, stored.size, &facts, &seeds);
                match index::replace_keeping_previous(&self.db, &old, &n).await {
                    Ok(()) => {
                        self.wake_workers(&seeds);
                        let _ = index::event(
                            &self.db,
                            Some(rq.clinic),
                            "conflict_kept",
                            uid,
                            &rq.calling_ae,
                            "same SOP Instance UID, different content; both versions kept",
                        )
                        .await;
                        StoreResult::ok()
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "index transaction failed");
                        self.spool.remove(&stored.rel_path);
                        StoreResult::fail(OUT_OF_RESOURCES, "index unavailable")
                    }
                }
            }
        }
    }
}
