//! The registry services behind the UI's server functions (`app::backend::Registry`): each
//! method delegates to the workflow function of the same name.

use super::{Result as WfResult, orders, patients, people, reconcile, require};
use crate::db::users;
use crate::hl7::service as hl7;
use crate::state::AppState;
use app::api::ApiError;
use app::backend::Registry;
use domain::hl7::views::{FacilityMap, MessageDetail, MessageQuery, MessageRow};
use domain::orders::{
    OrderInput, OrderQuery, OrderRow, OrderStatus, OrderView, PatientFile, UnmatchedStep,
    UnmatchedStudy,
};
use domain::registry::{
    PatientInput, PatientQuery, PatientView, PhysicianInput, PhysicianView, ProcedureInput,
    ProcedureView, RadiologistInput, RadiologistView,
};
use domain::views::{Page, SessionUser, UserView};
use domain::{Permission, Role};

pub struct WorkflowBackend {
    state: AppState,
}

impl WorkflowBackend {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

fn done<T>(r: WfResult<T>) -> Result<T, ApiError> {
    r.map_err(ApiError::from)
}

/// The accounts of `role` in the caller's clinics (for tying a profile to one).
pub async fn accounts(state: &AppState, u: &SessionUser, role: Role) -> WfResult<Vec<UserView>> {
    require(u, Permission::ManageRegistry)
        .or_else(|_| require(u, Permission::ManageRadiologists))?;
    let all = users::list(&state.db, &u.scope()).await?;
    Ok(all
        .into_iter()
        .filter(|x| x.role == role && x.active)
        .collect())
}

#[async_trait::async_trait]
impl Registry for WorkflowBackend {
    async fn patients(
        &self,
        u: &SessionUser,
        q: PatientQuery,
    ) -> Result<Page<PatientView>, ApiError> {
        done(patients::list(&self.state, u, q).await)
    }
    async fn patient_file(&self, u: &SessionUser, id: i64) -> Result<PatientFile, ApiError> {
        done(patients::file(&self.state, u, id).await)
    }
    async fn save_patient(
        &self,
        u: &SessionUser,
        id: Option<i64>,
        input: PatientInput,
    ) -> Result<PatientView, ApiError> {
        done(patients::save(&self.state, u, id, input).await)
    }
    async fn merge_patients(
        &self,
        u: &SessionUser,
        into: i64,
        from: i64,
    ) -> Result<PatientView, ApiError> {
        done(patients::merge(&self.state, u, into, from).await)
    }
    async fn physicians(
        &self,
        u: &SessionUser,
        text: String,
    ) -> Result<Vec<PhysicianView>, ApiError> {
        done(people::physicians(&self.state, u, &text).await)
    }
    async fn physician(&self, u: &SessionUser, id: i64) -> Result<PhysicianView, ApiError> {
        done(people::physician(&self.state, u, id).await)
    }
    async fn save_physician(
        &self,
        u: &SessionUser,
        id: Option<i64>,
        input: PhysicianInput,
    ) -> Result<PhysicianView, ApiError> {
        done(people::save_physician(&self.state, u, id, input).await)
    }
    async fn radiologists(&self, u: &SessionUser) -> Result<Vec<RadiologistView>, ApiError> {
        done(people::radiologists(&self.state, u).await)
    }
    async fn radiologist(&self, u: &SessionUser, id: i64) -> Result<RadiologistView, ApiError> {
        done(people::radiologist(&self.state, u, id).await)
    }
    async fn save_radiologist(
        &self,
        u: &SessionUser,
        id: Option<i64>,
        input: RadiologistInput,
    ) -> Result<RadiologistView, ApiError> {
        done(people::save_radiologist(&self.state, u, id, input).await)
    }
    async fn accounts(&self, u: &SessionUser, role: Role) -> Result<Vec<UserView>, ApiError> {
        done(accounts(&self.state, u, role).await)
    }
    async fn procedures(
        &self,
        u: &SessionUser,
        clinic: Option<i64>,
    ) -> Result<Vec<ProcedureView>, ApiError> {
        done(people::procedures(&self.state, u, clinic).await)
    }
    async fn procedure(&self, u: &SessionUser, id: i64) -> Result<ProcedureView, ApiError> {
        done(people::procedure(&self.state, u, id).await)
    }
    async fn save_procedure(
        &self,
        u: &SessionUser,
        id: Option<i64>,
        input: ProcedureInput,
    ) -> Result<ProcedureView, ApiError> {
        done(people::save_procedure(&self.state, u, id, input).await)
    }
    async fn orders(&self, u: &SessionUser, q: OrderQuery) -> Result<Page<OrderRow>, ApiError> {
        done(orders::list(&self.state, u, q).await)
    }
    async fn order(&self, u: &SessionUser, id: i64) -> Result<OrderView, ApiError> {
        done(orders::get(&self.state, u, id).await)
    }
    async fn save_order(
        &self,
        u: &SessionUser,
        id: Option<i64>,
        input: OrderInput,
    ) -> Result<OrderView, ApiError> {
        done(orders::save(&self.state, u, id, input).await)
    }
    async fn order_status(
        &self,
        u: &SessionUser,
        id: i64,
        to: OrderStatus,
        note: String,
    ) -> Result<OrderView, ApiError> {
        done(orders::set_status(&self.state, u, id, to, &note).await)
    }
    async fn accept_link(
        &self,
        u: &SessionUser,
        id: i64,
        study: i64,
        note: String,
    ) -> Result<OrderView, ApiError> {
        done(orders::accept_link(&self.state, u, id, study, &note).await)
    }
    async fn unmatched(&self, u: &SessionUser) -> Result<Vec<UnmatchedStudy>, ApiError> {
        done(reconcile::list(&self.state, u).await)
    }
    async fn unmatched_steps(&self, u: &SessionUser) -> Result<Vec<UnmatchedStep>, ApiError> {
        done(super::performed::unlinked(&self.state, u).await)
    }
    async fn attach_study(
        &self,
        u: &SessionUser,
        study: i64,
        patient: i64,
    ) -> Result<PatientView, ApiError> {
        done(reconcile::attach(&self.state, u, study, patient).await)
    }
    async fn study_patient(&self, u: &SessionUser, study: i64) -> Result<PatientInput, ApiError> {
        done(reconcile::suggestion(&self.state, u, study).await)
    }
    async fn messages(
        &self,
        u: &SessionUser,
        q: MessageQuery,
    ) -> Result<Page<MessageRow>, ApiError> {
        done(hl7::list(&self.state, u, q).await)
    }
    async fn message(&self, u: &SessionUser, id: i64) -> Result<MessageDetail, ApiError> {
        done(hl7::get(&self.state, u, id).await)
    }
    async fn reprocess(&self, u: &SessionUser, id: i64) -> Result<MessageDetail, ApiError> {
        done(hl7::reprocess(&self.state, u, id).await)
    }
    async fn facilities(&self, u: &SessionUser) -> Result<Vec<FacilityMap>, ApiError> {
        done(hl7::facilities(&self.state, u).await)
    }
    async fn save_facilities(
        &self,
        u: &SessionUser,
        maps: Vec<FacilityMap>,
    ) -> Result<Vec<FacilityMap>, ApiError> {
        done(hl7::save_facilities(&self.state, u, maps).await)
    }
}
