//! Runs retrieve jobs in the background: claims a queued job (or one whose runner died, when its
//! lease ran out), runs the C-MOVE / C-GET, writes progress and renews the lease every second,
//! turns a cancel request into C-CANCEL, records the end and audits it.

use super::{classes, job_view_method, local_ae};
use crate::config::QueryConfig;
use crate::db::retrieves::{self, Finish, RetrieveJob};
use crate::db::{audit, network};
use crate::dimse::qr::find::FindLimits;
use crate::dimse::qr::retrieve::{
    GetSink, IngestStore, Outcome, Progress, RetrieveSpec, RetrieveTarget, retrieve,
};
use crate::ingest::Ingest;
use domain::query::{InfoModel, MoveStatus, RetrieveMethod, RetrieveState, SubOps};
use domain::{ClinicId, Scope};
use sea_orm::DatabaseConnection;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};
use tracing::Instrument;

pub struct RetrieveRunner {
    pub db: DatabaseConnection,
    pub ingest: Arc<Ingest>,
    pub config: QueryConfig,
    pub max_dataset: usize,
    pub wake: Arc<Notify>,
    pub owner: String,
}

impl RetrieveRunner {
    fn lease_ms(&self) -> i64 {
        i64::from(self.config.lease_seconds.max(2)) * 1000
    }

    /// Claims and runs jobs forever, at most `concurrent_retrieves` at once.
    pub async fn run(self: Arc<Self>) {
        let slots = Arc::new(Semaphore::new(
            self.config.concurrent_retrieves.max(1) as usize
        ));
        loop {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            match retrieves::claim(&self.db, &self.owner, self.lease_ms()).await {
                Ok(Some(job)) => {
                    let me = self.clone();
                    let span =
                        tracing::info_span!("retrieve", job = job.id, study = %job.study_uid);
                    tokio::spawn(
                        async move {
                            me.run_job(job).await;
                            drop(permit);
                        }
                        .instrument(span),
                    );
                }
                Ok(None) => {
                    drop(permit);
                    let _ =
                        tokio::time::timeout(Duration::from_secs(1), self.wake.notified()).await;
                }
                Err(e) => {
                    drop(permit);
                    tracing::error!(error = %e, "cannot claim retrieve jobs");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    }

    async fn run_job(&self, job: RetrieveJob) {
        let (tx, rx) = watch::channel(SubOps::default());
        let cancel = Arc::new(AtomicBool::new(job.cancel_requested));
        let done = Arc::new(Notify::new());
        let ticker = tokio::spawn(tick(
            self.db.clone(),
            self.owner.clone(),
            self.lease_ms(),
            job.id,
            rx,
            cancel.clone(),
            done.clone(),
        ));
        let progress = Progress {
            subops: tx,
            cancel: cancel.clone(),
        };
        let result = self.execute(&job, &progress).await;
        done.notify_one();
        let _ = ticker.await;
        let last = *progress.subops.borrow();
        let (state, status, error) = match &result {
            Ok(o) => ending(o),
            Err(_) if cancel.load(Ordering::Relaxed) => (RetrieveState::Cancelled, None, None),
            Err(e) => (RetrieveState::Failed, None, Some(e.clone())),
        };
        let subops = result.as_ref().map(|o| o.subops).unwrap_or(last);
        let f = Finish {
            state,
            subops,
            status,
            error: error.as_deref(),
        };
        if let Err(e) = retrieves::finish(&self.db, job.id, &self.owner, f).await {
            tracing::error!(error = %e, "cannot record the end of a retrieve");
        }
        tracing::info!(
            state = state.as_str(),
            completed = subops.completed,
            failed = subops.failed,
            "retrieve ended"
        );
        let r = audit::Record {
            actor: &job.created_by,
            clinic_id: Some(job.clinic_id),
            action: "retrieve",
            node_id: Some(job.node_id),
            detail: json!({ "job": job.id, "method": job.method, "study": job.study_uid,
                "series": job.series_uids, "status": status, "error": error }),
            outcome: state.as_str(),
            result_count: Some(subops.completed as usize),
        };
        if let Err(e) = audit::record(&self.db, r).await {
            tracing::error!(error = %e, "cannot audit a retrieve");
        }
    }

    async fn execute(&self, job: &RetrieveJob, progress: &Progress) -> Result<Outcome, String> {
        let node = network::node(&self.db, &Scope::All, job.node_id)
            .await
            .map_err(|e| e.to_string())?;
        let clinic = ClinicId(job.clinic_id);
        let calling = local_ae(&self.db, clinic)
            .await
            .map_err(|e| e.to_string())?;
        let peer = super::search::peer(&node);
        let model = if job.model == InfoModel::PatientRoot.as_str() {
            InfoModel::PatientRoot
        } else {
            InfoModel::StudyRoot
        };
        let series_uids: Vec<String> = job
            .series_uids
            .split('\\')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let spec = RetrieveSpec {
            model,
            patient_id: job.patient_id.clone(),
            study_uid: job.study_uid.clone(),
            series_uids,
        };
        let target = match job_view_method(job) {
            RetrieveMethod::MoveHere => RetrieveTarget::Move {
                destination: calling.clone(),
            },
            RetrieveMethod::MoveTo { ae_title } => RetrieveTarget::Move {
                destination: ae_title.to_string(),
            },
            RetrieveMethod::Get => {
                let limits = FindLimits {
                    timeout: Duration::from_secs(u64::from(self.config.timeout_seconds)),
                    max_results: 10_000,
                };
                let storage_classes = classes::for_study(
                    &calling,
                    &peer,
                    model,
                    &spec.patient_id,
                    &spec.study_uid,
                    &spec.series_uids,
                    limits,
                )
                .await;
                let store = IngestStore {
                    ingest: self.ingest.clone(),
                    clinic,
                    local_ae: calling.clone(),
                };
                RetrieveTarget::Get(GetSink {
                    store: Arc::new(store),
                    storage_classes,
                    max_dataset: self.max_dataset,
                })
            }
        };
        let limit = Duration::from_secs(u64::from(self.config.retrieve_timeout_seconds.max(1)));
        retrieve(&calling, &peer, &spec, target, progress, limit)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Every 250 ms (and at the end): writes progress, renews the lease, reads the cancel flag.
async fn tick(
    db: DatabaseConnection,
    owner: String,
    lease_ms: i64,
    id: i64,
    rx: watch::Receiver<SubOps>,
    cancel: Arc<AtomicBool>,
    done: Arc<Notify>,
) {
    loop {
        let finished = tokio::time::timeout(Duration::from_millis(250), done.notified())
            .await
            .is_ok();
        let s = *rx.borrow();
        match retrieves::progress(&db, id, &owner, s, lease_ms).await {
            Ok(Some(true)) => cancel.store(true, Ordering::Relaxed),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot record retrieve progress"),
        }
        if finished {
            return;
        }
    }
}

/// The job state a final C-MOVE / C-GET status leads to.
fn ending(o: &Outcome) -> (RetrieveState, Option<u16>, Option<String>) {
    let with_comment = |m: &str| match &o.comment {
        Some(c) if !c.is_empty() => format!("{m} ({c})"),
        _ => m.to_owned(),
    };
    match o.status {
        MoveStatus::Success if o.subops.failed == 0 && o.subops.warning == 0 => {
            (RetrieveState::Completed, Some(o.code), None)
        }
        MoveStatus::Success | MoveStatus::Warning => (
            RetrieveState::Partial,
            Some(o.code),
            Some(format!(
                "{} sub-operations failed, {} with warnings",
                o.subops.failed, o.subops.warning
            )),
        ),
        MoveStatus::Cancelled => (RetrieveState::Cancelled, Some(o.code), None),
        MoveStatus::Failure(m) => (RetrieveState::Failed, Some(o.code), Some(with_comment(m))),
        MoveStatus::Pending => (
            RetrieveState::Failed,
            Some(o.code),
            Some("the PACS stopped answering".into()),
        ),
    }
}
