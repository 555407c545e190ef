//! Server functions of the registry pages: patients, physicians, radiologists, procedures,
//! orders, reconciliation and HL7 messages. Each finds the signed-in user and the `Registry`
//! service in context and delegates.

use super::ApiError;
use domain::hl7::views::{FacilityMap, MessageDetail, MessageQuery, MessageRow};
use domain::orders::{
    OrderInput, OrderQuery, OrderRow, OrderStatus, OrderView, PatientFile, UnmatchedStep,
    UnmatchedStudy,
};
use domain::registry::{
    PatientInput, PatientQuery, PatientView, PhysicianInput, PhysicianView, ProcedureInput,
    ProcedureView, RadiologistInput, RadiologistView,
};
use domain::views::{Page, UserView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
fn registry() -> Result<(crate::backend::RegistryHandle, domain::views::SessionUser), ApiError> {
    let (_, user) = super::ssr::signed_in()?;
    let r = use_context::<crate::backend::RegistryHandle>()
        .ok_or_else(|| super::ssr::fail(ApiError::Internal))?;
    Ok((r, user))
}

/// Runs a registry call, setting the answer's status on failure.
#[cfg(feature = "ssr")]
macro_rules! call {
    ($method:ident ( $($arg:expr),* )) => {{
        let (r, u) = registry()?;
        r.0.$method(&u $(, $arg)*).await.map_err(super::ssr::fail)
    }};
}

#[server(endpoint = "patients", input = Json)]
pub async fn search_patients(query: PatientQuery) -> Result<Page<PatientView>, ApiError> {
    call!(patients(query))
}

#[server(endpoint = "patient_file")]
pub async fn get_patient_file(id: i64) -> Result<PatientFile, ApiError> {
    call!(patient_file(id))
}

#[server(endpoint = "save_patient", input = Json)]
pub async fn save_patient(id: Option<i64>, input: PatientInput) -> Result<PatientView, ApiError> {
    call!(save_patient(id, input))
}

#[server(endpoint = "merge_patients")]
pub async fn merge_patients(into: i64, from: i64) -> Result<PatientView, ApiError> {
    call!(merge_patients(into, from))
}

#[server(endpoint = "physicians")]
pub async fn list_physicians(text: String) -> Result<Vec<PhysicianView>, ApiError> {
    call!(physicians(text))
}

#[server(endpoint = "physician")]
pub async fn get_physician(id: i64) -> Result<PhysicianView, ApiError> {
    call!(physician(id))
}

#[server(endpoint = "save_physician", input = Json)]
pub async fn save_physician(
    id: Option<i64>,
    input: PhysicianInput,
) -> Result<PhysicianView, ApiError> {
    call!(save_physician(id, input))
}

#[server(endpoint = "radiologists")]
pub async fn list_radiologists() -> Result<Vec<RadiologistView>, ApiError> {
    call!(radiologists())
}

#[server(endpoint = "radiologist")]
pub async fn get_radiologist(id: i64) -> Result<RadiologistView, ApiError> {
    call!(radiologist(id))
}

#[server(endpoint = "save_radiologist", input = Json)]
pub async fn save_radiologist(
    id: Option<i64>,
    input: RadiologistInput,
) -> Result<RadiologistView, ApiError> {
    call!(save_radiologist(id, input))
}

#[server(endpoint = "accounts", input = Json)]
pub async fn list_accounts(role: domain::Role) -> Result<Vec<UserView>, ApiError> {
    call!(accounts(role))
}

#[server(endpoint = "procedures")]
pub async fn list_procedures(clinic: Option<i64>) -> Result<Vec<ProcedureView>, ApiError> {
    call!(procedures(clinic))
}

#[server(endpoint = "procedure")]
pub async fn get_procedure(id: i64) -> Result<ProcedureView, ApiError> {
    call!(procedure(id))
}

#[server(endpoint = "save_procedure", input = Json)]
pub async fn save_procedure(
    id: Option<i64>,
    input: ProcedureInput,
) -> Result<ProcedureView, ApiError> {
    call!(save_procedure(id, input))
}

#[server(endpoint = "orders", input = Json)]
pub async fn search_orders(query: OrderQuery) -> Result<Page<OrderRow>, ApiError> {
    call!(orders(query))
}

#[server(endpoint = "order")]
pub async fn get_order(id: i64) -> Result<OrderView, ApiError> {
    call!(order(id))
}

#[server(endpoint = "save_order", input = Json)]
pub async fn save_order(id: Option<i64>, input: OrderInput) -> Result<OrderView, ApiError> {
    call!(save_order(id, input))
}

#[server(endpoint = "order_status", input = Json)]
pub async fn set_order_status(
    id: i64,
    to: OrderStatus,
    note: String,
) -> Result<OrderView, ApiError> {
    call!(order_status(id, to, note))
}

#[server(endpoint = "accept_link")]
pub async fn accept_link(id: i64, study: i64, note: String) -> Result<OrderView, ApiError> {
    call!(accept_link(id, study, note))
}

#[server(endpoint = "unmatched")]
pub async fn list_unmatched() -> Result<Vec<UnmatchedStudy>, ApiError> {
    call!(unmatched())
}

#[server(endpoint = "unmatched_steps")]
pub async fn list_unmatched_steps() -> Result<Vec<UnmatchedStep>, ApiError> {
    call!(unmatched_steps())
}

#[server(endpoint = "attach_study")]
pub async fn attach_study(study: i64, patient: i64) -> Result<PatientView, ApiError> {
    call!(attach_study(study, patient))
}

#[server(endpoint = "study_patient")]
pub async fn study_patient(study: i64) -> Result<PatientInput, ApiError> {
    call!(study_patient(study))
}

#[server(endpoint = "hl7_messages", input = Json)]
pub async fn list_messages(query: MessageQuery) -> Result<Page<MessageRow>, ApiError> {
    call!(messages(query))
}

#[server(endpoint = "hl7_message")]
pub async fn get_message(id: i64) -> Result<MessageDetail, ApiError> {
    call!(message(id))
}

#[server(endpoint = "hl7_reprocess")]
pub async fn reprocess_message(id: i64) -> Result<MessageDetail, ApiError> {
    call!(reprocess(id))
}

#[server(endpoint = "hl7_facilities")]
pub async fn list_facilities() -> Result<Vec<FacilityMap>, ApiError> {
    call!(facilities())
}

#[server(endpoint = "save_hl7_facilities", input = Json)]
pub async fn save_facilities(maps: Vec<FacilityMap>) -> Result<Vec<FacilityMap>, ApiError> {
    call!(save_facilities(maps))
}
