//! The clinical workflow over the registry: patients, referring physicians, radiologists, the
//! procedure catalogue and orders (create, change, merge, reconcile), each with its permission
//! and scope checks, history and audit. The UI, the JSON API and the HL7 intake all go through
//! the functions here; the rules themselves (validation, lifecycle) are in `domain`.

pub mod backend;
pub mod completeness;
pub mod demo;
pub mod orders;
pub mod patients;
pub mod people;
pub mod performed;
pub mod reconcile;
pub mod time;
pub mod worklist;

use crate::db::RepoError;
use app::api::ApiError;
use domain::registry::{FieldError, RamqWarning};
use domain::views::SessionUser;
use domain::{ClinicId, Permission};

/// Why a workflow operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("not allowed")]
    Forbidden,
    #[error("{0}")]
    Field(FieldError),
    #[error("the RAMQ number disagrees with the record")]
    Warnings(Vec<RamqWarning>),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<FieldError> for WorkflowError {
    fn from(e: FieldError) -> Self {
        WorkflowError::Field(e)
    }
}

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::Forbidden => ApiError::Forbidden,
            WorkflowError::Field(f) => ApiError::Field(f),
            WorkflowError::Warnings(w) => ApiError::Warnings(w),
            WorkflowError::Repo(r) => r.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, WorkflowError>;

/// The history and audit name of a user.
pub fn actor(user: &SessionUser) -> String {
    format!("user:{}", user.username)
}

/// The user holds the permission.
pub fn require(user: &SessionUser, p: Permission) -> Result<()> {
    if user.role.can(p) {
        Ok(())
    } else {
        Err(WorkflowError::Forbidden)
    }
}

/// The user holds the permission for this clinic (in scope).
pub fn require_in(user: &SessionUser, p: Permission, clinic: ClinicId) -> Result<()> {
    require(user, p)?;
    if user.scope().allows(clinic) {
        Ok(())
    } else {
        Err(WorkflowError::Forbidden)
    }
}
