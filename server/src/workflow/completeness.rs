//! Study completeness (issue "DICOM services", §5): every few seconds the studies that may have
//! become complete (quiet for the shortest stable time of any rule, or with a completed
//! performed step) are assessed by `domain::completeness` with their clinic's rule; the verdict
//! is kept on the study, and a study that becomes complete is recorded as an event
//! (`study_complete`, with why) and counted. The reading workflow starts from that event.

use crate::db::completeness as repo;
use crate::db::{RepoError, index};
use domain::ClinicId;
use domain::completeness::{StudyFacts, assess};
use sea_orm::DatabaseConnection;
use std::time::Duration;

/// Studies assessed per sweep.
const BATCH: u64 = 500;

/// Assesses the candidates at `now` (seconds); returns how many became complete.
pub async fn sweep(db: &DatabaseConnection, now: i64) -> Result<usize, RepoError> {
    let rules = repo::rules(db).await?;
    let shortest = i64::from(repo::shortest_stable(&rules));
    let mut completed = 0;
    for s in repo::candidates(db, now - shortest, now, BATCH).await? {
        let clinic = ClinicId(s.clinic_id);
        let rule = repo::applied(&rules, clinic, &s.modalities);
        let known = repo::known(db, &s).await?;
        let facts = StudyFacts {
            now_ms: now * 1000,
            last_received_ms: s.updated_at * 1000,
            series_received: known.series,
            expected_series: known
                .expected_series
                .filter(|_| rule.require_expected_series),
            stable_seconds: rule.stable_seconds,
            steps: known.steps,
        };
        let verdict = assess(&facts, |uid| known.received.contains(uid));
        if repo::keep(db, s.id, &verdict, now).await? {
            completed += 1;
            let why = serde_json::to_string(&verdict).unwrap_or_default();
            tracing::info!(study = %s.study_uid, why = %why, "study complete");
            crate::telemetry::study_complete();
            index::event(
                db,
                Some(clinic),
                "study_complete",
                &s.study_uid,
                &s.source_ae,
                &why,
            )
            .await?;
        }
    }
    Ok(completed)
}

/// Sweeps every `every` until the task is dropped.
pub async fn run(db: DatabaseConnection, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = sweep(&db, crate::db::now()).await {
            tracing::warn!(error = %e, "study completeness sweep failed");
        }
    }
}
