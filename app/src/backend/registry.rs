//! The registry's services as the UI sees them (patients, physicians, radiologists, procedures,
//! orders, reconciliation, HL7 messages). The server implements them over its workflow; each
//! method checks the caller's permission and scope.

use crate::api::ApiError;
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
use std::sync::Arc;

#[async_trait::async_trait]
pub trait Registry: Send + Sync {
    async fn patients(
        &self,
        u: &SessionUser,
        q: PatientQuery,
    ) -> Result<Page<PatientView>, ApiError>;
    async fn patient_file(&self, u: &SessionUser, id: i64) -> Result<PatientFile, ApiError>;
    async fn save_patient(
        &self,
        u: &SessionUser,
        id: Option<i64>,
        input: PatientInput,
    ) -> Result<PatientView, ApiError>;
    async fn merge_patients(
        &self,
        u: &SessionUser,
        into: i64,
        from: i64,
    ) -> Result<PatientView, ApiError>;
    async fn physicians(
        &self,
        u: &SessionUser,
        text: String,
    ) -> Result<Vec<PhysicianView>, ApiError>;
    async fn physician(&self, u: &SessionUser, id: i64) -> Result<PhysicianView, ApiError>;
    async fn save_physician(
        &self,
        u: &SessionUser,
        id: Option<i64>,
        input: PhysicianInput,
    ) -> Result<PhysicianView, ApiError>;
    async fn radiologists(&self, u: &SessionUser) -> Result<Vec<RadiologistView>, ApiError>;
    async fn radiologist(&self, u: &SessionUser, id: i64) -> Result<RadiologistView, ApiError>;
    async fn save_radiologist(
        &self,
        u: &SessionUser,
        id: Option<i64>,
        input: RadiologistInput,
    ) -> Result<RadiologistView, ApiError>;
    /// Accounts of a role (radiologist, referring physician) a profile can be tied to.
    async fn accounts(
        &self,
        u: &SessionUser,
        role: domain::Role,
    ) -> Result<Vec<UserView>, ApiError>;
    async fn procedures(
        &self,
        u: &SessionUser,
        clinic: Option<i64>,
    ) -> Result<Vec<ProcedureView>, ApiError>;
    async fn procedure(&self, u: &SessionUser, id: i64) -> Result<ProcedureView, ApiError>;
    async fn save_procedure(
        &self,
        u: &SessionUser,
        id: Option<i64>,
        input: ProcedureInput,
    ) -> Result<ProcedureView, ApiError>;
    async fn orders(&self, u: &SessionUser, q: OrderQuery) -> Result<Page<OrderRow>, ApiError>;
    async fn order(&self, u: &SessionUser, id: i64) -> Result<OrderView, ApiError>;
    async fn save_order(
        &self,
        u: &SessionUser,
        id: Option<i64>,
        input: OrderInput,
    ) -> Result<OrderView, ApiError>;
    async fn order_status(
        &self,
        u: &SessionUser,
        id: i64,
        to: OrderStatus,
        note: String,
    ) -> Result<OrderView, ApiError>;
    async fn accept_link(
        &self,
        u: &SessionUser,
        id: i64,
        study: i64,
        note: String,
    ) -> Result<OrderView, ApiError>;
    async fn unmatched(&self, u: &SessionUser) -> Result<Vec<UnmatchedStudy>, ApiError>;
    /// Performed procedure steps that name no order.
    async fn unmatched_steps(&self, u: &SessionUser) -> Result<Vec<UnmatchedStep>, ApiError>;
    async fn attach_study(
        &self,
        u: &SessionUser,
        study: i64,
        patient: i64,
    ) -> Result<PatientView, ApiError>;
    async fn study_patient(&self, u: &SessionUser, study: i64) -> Result<PatientInput, ApiError>;
    async fn messages(
        &self,
        u: &SessionUser,
        q: MessageQuery,
    ) -> Result<Page<MessageRow>, ApiError>;
    async fn message(&self, u: &SessionUser, id: i64) -> Result<MessageDetail, ApiError>;
    async fn reprocess(&self, u: &SessionUser, id: i64) -> Result<MessageDetail, ApiError>;
    async fn facilities(&self, u: &SessionUser) -> Result<Vec<FacilityMap>, ApiError>;
    async fn save_facilities(
        &self,
        u: &SessionUser,
        maps: Vec<FacilityMap>,
    ) -> Result<Vec<FacilityMap>, ApiError>;
}

/// The registry services as found in Leptos context.
#[derive(Clone)]
pub struct RegistryHandle(pub Arc<dyn Registry>);
