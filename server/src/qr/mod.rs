//! Query / retrieve against the PACS of a clinic: multi-PACS search, drill-down, retrieve jobs
//! and their runner. Permissions and audit are in `services::query`; DIMSE in `dimse::qr`.

pub mod classes;
pub mod runner;
pub mod search;

use crate::db::retrieves::RetrieveJob;
use crate::db::{RepoError, network};
use domain::query::{RetrieveMethod, RetrieveState, RetrieveView, SubOps};
use domain::{AeTitle, ClinicId, Scope};
use sea_orm::ConnectionTrait;

pub use runner::RetrieveRunner;

#[derive(Debug, thiserror::Error)]
pub enum QrServiceError {
    #[error("the clinic has no enabled local AE title to query from")]
    NoLocalAe,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// The AE title Passerelle uses for the clinic: calling AE of its queries and retrieves, and
/// Move Destination of "retrieve to Passerelle" (the PACS must know it).
pub async fn local_ae(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
) -> Result<String, QrServiceError> {
    let scope = Scope::Clinics([clinic].into_iter().collect());
    network::local_aes(db, &scope)
        .await?
        .into_iter()
        .find(|a| a.enabled && a.clinic == clinic)
        .map(|a| a.ae_title.to_string())
        .ok_or(QrServiceError::NoLocalAe)
}

/// The method a job row records.
pub fn job_view_method(job: &RetrieveJob) -> RetrieveMethod {
    match job.method.as_str() {
        "get" => RetrieveMethod::Get,
        "move_to" => match AeTitle::parse(&job.move_destination) {
            Ok(ae_title) => RetrieveMethod::MoveTo { ae_title },
            Err(_) => RetrieveMethod::MoveHere,
        },
        _ => RetrieveMethod::MoveHere,
    }
}

/// A job as the UI and the API show it.
pub fn view(job: &RetrieveJob, node_name: &str) -> RetrieveView {
    let count = |v: i32| u32::try_from(v).unwrap_or(0);
    RetrieveView {
        id: job.id,
        clinic: job.clinic_id,
        node_id: job.node_id,
        node_name: node_name.to_owned(),
        method: job_view_method(job),
        study_uid: job.study_uid.clone(),
        series_uids: job
            .series_uids
            .split('\\')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        state: RetrieveState::parse(&job.state).unwrap_or(RetrieveState::Failed),
        subops: SubOps {
            remaining: job.remaining.map(count),
            completed: count(job.completed),
            failed: count(job.failed),
            warning: count(job.warning),
        },
        error: job.error.clone(),
        cancel_requested: job.cancel_requested,
        created_by: job.created_by.clone(),
        created_at_ms: job.created_at,
        updated_at_ms: job.updated_at,
    }
}
