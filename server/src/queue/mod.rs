//! Forward workers (the spine's steps 3–4): claim due jobs with a lease, send each study's
//! instances on one association (C-STORE) or one request (STOW-RS), record the outcome with
//! retry/backoff or dead letter, then release spool copies every destination has confirmed.

pub mod dimse;
pub mod release;
pub mod stow;

use crate::config::ForwardConfig;
use crate::db::queue::{self as jobs, ClaimPolicy, Claimed, Finish};
use crate::db::routing::{self as repo, Target, Via};
use crate::storage::Spool;
use domain::forward::RetryPolicy;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};
use tracing::Instrument;

/// One instance to send.
#[derive(Debug, Clone)]
pub struct Item {
    pub job_id: i64,
    pub sop_class: String,
    pub sop_instance: String,
    pub transfer_syntax: String,
    pub path: PathBuf,
    /// Size of the spool file as indexed (to reserve buffers before reading it).
    pub size: usize,
    /// BLAKE3 of the data set as received: a spool copy that no longer matches is not sent.
    pub digest: String,
}

/// What a peer made of one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Ok(Option<u16>),
    Failed {
        status: Option<u16>,
        reason: String,
        permanent: bool,
        /// The association or connection is gone (the batch stops).
        lost: bool,
    },
}

impl Sent {
    pub fn transient(status: Option<u16>, reason: impl Into<String>) -> Self {
        Sent::Failed {
            status,
            reason: reason.into(),
            permanent: false,
            lost: false,
        }
    }
    pub fn permanent(status: Option<u16>, reason: impl Into<String>) -> Self {
        Sent::Failed {
            status,
            reason: reason.into(),
            permanent: true,
            lost: false,
        }
    }
    pub fn lost(reason: impl Into<String>) -> Self {
        Sent::Failed {
            status: None,
            reason: reason.into(),
            permanent: false,
            lost: true,
        }
    }
    pub fn breaks_association(&self) -> bool {
        matches!(self, Sent::Failed { lost: true, .. })
    }

    /// The job's next state under `policy`, after `attempts` tries.
    fn finish(self, policy: &RetryPolicy, attempts: u32) -> Finish {
        match self {
            Sent::Ok(status) => Finish::Done { status },
            Sent::Failed {
                status,
                reason,
                permanent,
                ..
            } => {
                if permanent || policy.exhausted(attempts) {
                    let reason = if permanent {
                        reason
                    } else {
                        format!("{reason} (gave up after {attempts} attempts)")
                    };
                    Finish::Dead { status, reason }
                } else {
                    let jitter: f64 = rand::random();
                    let delay = policy.next_delay_ms(attempts, jitter) as i64;
                    Finish::Retry {
                        status,
                        reason,
                        due_at: jobs::now_ms() + delay,
                    }
                }
            }
        }
    }
}

pub use crate::db::queue::DAMAGED;

/// Reads an item's spool file; returns its bytes and where its data set starts (after the
/// Part-10 header, PS3.10 §7.1), so the data set is sent without being copied. A file that no
/// longer holds the data set received (its digest differs: damaged on disk, or left incomplete
/// by a power loss before the instance was acknowledged) is refused with the reason: sending it
/// would store damaged images at the destination.
pub async fn read_verified(item: &Item) -> Result<(Vec<u8>, usize), String> {
    /// Larger files are hashed on the blocking pool (BLAKE3 takes ~0.1 ms per 330 KB here).
    const INLINE_MAX: usize = 2 << 20;
    let bytes = tokio::fs::read(&item.path)
        .await
        .map_err(|e| format!("spool file unreadable: {e}"))?;
    let start = crate::storage::dataset_offset(&bytes).ok_or("spool file is not a Part-10 file")?;
    let (expected, small) = (item.digest.clone(), bytes.len() <= INLINE_MAX);
    let check = move || {
        let same = crate::storage::digest(&bytes[start..]) == expected;
        (bytes, same)
    };
    let (bytes, same) = if small {
        check()
    } else {
        tokio::task::spawn_blocking(check)
            .await
            .map_err(|_| "internal task failed".to_owned())?
    };
    if !same {
        return Err(DAMAGED.into());
    }
    Ok((bytes, start))
}

/// The workers of one process.
pub struct Forwarder {
    db: DatabaseConnection,
    spool: Spool,
    cfg: ForwardConfig,
    owner: String,
    wake: Arc<Notify>,
    /// Bumped when destinations change in this process: read them again at once.
    epoch: Arc<AtomicU64>,
    /// Destinations enabled and not paused, as last read (senders stop when theirs is not).
    active: std::sync::RwLock<std::collections::HashSet<i64>>,
}

impl Forwarder {
    pub fn new(
        db: DatabaseConnection,
        spool: Spool,
        cfg: ForwardConfig,
        wake: Arc<Notify>,
    ) -> Self {
        let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        Self {
            db,
            spool,
            cfg,
            owner,
            wake,
            epoch: Arc::new(AtomicU64::new(0)),
            active: Default::default(),
        }
    }

    /// Reads the destinations again as soon as `epoch` changes (else at most once a second).
    pub fn watching(mut self, epoch: Arc<AtomicU64>) -> Self {
        self.epoch = epoch;
        self
    }

    fn lease_ms(&self) -> i64 {
        i64::from(self.cfg.lease_seconds) * 1000
    }

    /// Runs until the task is dropped: for every active destination, as many batches in
    /// flight as it allows.
    pub async fn run(self: Arc<Self>) {
        let mut slots: HashMap<i64, (u32, Arc<Semaphore>)> = HashMap::new();
        let poll = Duration::from_millis(u64::from(self.cfg.poll_ms));
        let mut targets: (Vec<Arc<Target>>, Option<(Instant, u64)>) = (Vec::new(), None);
        loop {
            // Destinations change rarely: read them at most once a second, or at once after a
            // change made through this process.
            let epoch = self.epoch.load(Ordering::Acquire);
            if targets
                .1
                .is_none_or(|(at, seen)| at.elapsed() > Duration::from_secs(1) || seen != epoch)
            {
                match repo::active_targets(&self.db).await {
                    Ok(t) => {
                        if let Ok(mut a) = self.active.write() {
                            *a = t.iter().map(|t| t.id).collect();
                        }
                        let now = Some((Instant::now(), epoch));
                        targets = (t.into_iter().map(Arc::new).collect(), now);
                    }
                    Err(e) => tracing::warn!(error = %e, "could not load destinations"),
                }
            }
            for t in &targets.0 {
                let n = t.max_concurrency;
                let entry = slots
                    .entry(t.id)
                    .or_insert_with(|| (n, Arc::new(Semaphore::new(n as usize))));
                if entry.0 != n {
                    *entry = (n, Arc::new(Semaphore::new(n as usize)));
                }
                self.fill(t.clone(), entry.1.clone()).await;
            }
            tokio::select! {
                // Instances arrive in bursts: gather the wake-ups of a few tens of milliseconds.
                _ = self.wake.notified() => tokio::time::sleep(Duration::from_millis(20)).await,
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Claims the next batch for `t`, if it is still active and has due work.
    async fn claim(&self, t: &Target) -> Option<Vec<Claimed>> {
        if !self.active.read().is_ok_and(|a| a.contains(&t.id)) {
            return None;
        }
        let policy = ClaimPolicy {
            lease_ms: self.lease_ms(),
            limit: u64::from(self.cfg.batch_size),
            linger_ms: i64::from(self.cfg.linger_ms),
        };
        match jobs::claim(&self.db, t.id, &self.owner, policy).await {
            Ok(c) if !c.is_empty() => Some(c),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, destination = %t.name, "could not claim jobs");
                None
            }
        }
    }

    /// Starts a sender for each free slot of `t` that finds work; a sender keeps its slot and
    /// claims the next batch as soon as one is sent, until no work is due (or `t` is paused).
    async fn fill(self: &Arc<Self>, t: Arc<Target>, slots: Arc<Semaphore>) {
        while let Ok(permit) = slots.clone().try_acquire_owned() {
            let Some(first) = self.claim(&t).await else {
                return;
            };
            let me = self.clone();
            let t = t.clone();
            tokio::spawn(async move {
                let mut next = Some(first);
                while let Some(claimed) = next {
                    let span =
                        tracing::info_span!("forward", destination = %t.name, jobs = claimed.len());
                    me.batch(&t, claimed).instrument(span).await;
                    next = me.claim(&t).await;
                }
                drop(permit);
            });
        }
    }

    /// Sends one claimed batch and records every outcome.
    async fn batch(&self, t: &Target, claimed: Vec<Claimed>) {
        let items: Vec<Item> = claimed
            .iter()
            .map(|c| Item {
                job_id: c.job_id,
                sop_class: c.instance.sop_class_uid.clone(),
                sop_instance: c.instance.sop_instance_uid.clone(),
                transfer_syntax: c.instance.transfer_syntax.clone(),
                path: self.spool.path(&c.instance.spool_path),
                size: usize::try_from(c.instance.size).unwrap_or(0),
                digest: c.instance.digest.clone(),
            })
            .collect();
        let ids: Vec<i64> = claimed.iter().map(|c| c.job_id).collect();
        let renew = self.keep_leased(ids);
        let study = claimed
            .first()
            .map(|c| c.study_uid.clone())
            .unwrap_or_default();
        let sent = match &t.via {
            Via::Dimse(peer) => dimse::send(&self.cfg.calling_ae, peer, t.timeout, &items).await,
            Via::Stow(target) => stow::send(target, &study, t.timeout, &items).await,
        };
        renew.abort();
        let outcomes: Vec<(i64, Finish)> = claimed
            .iter()
            .zip(sent)
            .map(|(c, s)| {
                if let Sent::Failed { reason, .. } = &s {
                    tracing::warn!(job = c.job_id, %reason, "forward failed");
                }
                (c.job_id, s.finish(&t.retry, c.attempts.max(0) as u32))
            })
            .collect();
        count(&t.name, &outcomes);
        self.record(outcomes).await;
    }

    /// Renews the batch's leases every third of the lease while it is being sent.
    fn keep_leased(&self, ids: Vec<i64>) -> tokio::task::JoinHandle<()> {
        let (db, owner, lease) = (self.db.clone(), self.owner.clone(), self.lease_ms());
        tokio::spawn(async move {
            let every = Duration::from_millis((lease / 3).max(500) as u64);
            loop {
                tokio::time::sleep(every).await;
                if let Err(e) = jobs::renew(&db, &ids, &owner, lease).await {
                    tracing::warn!(error = %e, "could not renew leases");
                }
            }
        })
    }

    /// Writes the outcomes (retrying while the database is unavailable: the sends happened),
    /// then releases what every destination has.
    async fn record(&self, outcomes: Vec<(i64, Finish)>) {
        for attempt in 0..10u32 {
            match jobs::finish(&self.db, &self.owner, &outcomes).await {
                Ok(released) => {
                    release::after_confirm(&self.db, &self.spool, &self.cfg, &released).await;
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "could not record forward outcomes");
                    tokio::time::sleep(Duration::from_millis(200 << attempt.min(6))).await;
                }
            }
        }
        // The leases run out and the jobs are sent again (at-least-once).
        tracing::error!("forward outcomes lost; the jobs will be retried after their lease");
    }
}

/// Counts a batch's outcomes for `/metrics`.
fn count(destination: &str, outcomes: &[(i64, Finish)]) {
    let (mut done, mut retry, mut dead) = (0, 0, 0);
    for (_, f) in outcomes {
        match f {
            Finish::Done { .. } => done += 1,
            Finish::Retry { .. } => retry += 1,
            Finish::Dead { .. } => dead += 1,
        }
    }
    for (outcome, n) in [("done", done), ("retry", retry), ("dead", dead)] {
        if n > 0 {
            crate::telemetry::forwarded(destination, outcome, n);
        }
    }
}
