//! Reconciliation: the studies whose Patient ID no patient record knows, and those linked to an
//! order of another patient. Staff attach such a Patient ID to the right record (as an alias, so
//! the images stay as received) or create the record from the study's demographics.

use super::{Result, actor, require, require_in};
use crate::db::audit::{self, Record};
use crate::db::index_entities::{patient, study};
use crate::db::{RepoError, gate, patients, reconcile};
use crate::state::AppState;
use domain::Permission;
use domain::orders::UnmatchedStudy;
use domain::registry::{Mrn, PatientInput, PatientView, PersonName, Sex};
use domain::views::SessionUser;
use sea_orm::{EntityTrait, TransactionTrait};
use serde_json::json;

pub async fn list(state: &AppState, user: &SessionUser) -> Result<Vec<UnmatchedStudy>> {
    require(user, Permission::ViewRegistry)?;
    Ok(reconcile::list(&state.db, &user.scope()).await?)
}

/// Makes the study's Patient ID an alias of `patient` (same clinic), audited.
pub async fn attach(
    state: &AppState,
    user: &SessionUser,
    study_id: i64,
    patient_id: i64,
) -> Result<PatientView> {
    let db = &state.db;
    let scope = user.scope();
    let (clinic, key) = reconcile::study_patient(db, &scope, study_id).await?;
    require_in(user, Permission::ManageRegistry, clinic)?;
    let target = patients::get(db, &scope, patient_id).await?;
    if target.clinic != clinic || target.merged_into.is_some() {
        return Err(super::WorkflowError::Forbidden);
    }
    let mrn = Mrn::parse(&key)?;
    let who = actor(user);
    let guard = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    patients::add_alias(&txn, patient_id, &mrn).await?;
    audit::record(
        &txn,
        Record {
            actor: &who,
            clinic_id: Some(clinic.0),
            action: "study_reconcile",
            node_id: None,
            detail: json!({ "study": study_id, "patient": patient_id, "patient_id_alias": key }),
            outcome: "ok",
            result_count: None,
        },
    )
    .await?;
    txn.commit().await.map_err(RepoError::from)?;
    drop(guard);
    Ok(patients::get(db, &scope, patient_id).await?)
}

/// A patient form filled from a study's DICOM patient (for "create the record").
pub async fn suggestion(
    state: &AppState,
    user: &SessionUser,
    study_id: i64,
) -> Result<PatientInput> {
    require(user, Permission::ManageRegistry)?;
    let db = &state.db;
    let (clinic, _) = reconcile::study_patient(db, &user.scope(), study_id).await?;
    let s = study::Entity::find_by_id(study_id)
        .one(db)
        .await
        .map_err(RepoError::from)?
        .ok_or(RepoError::NotFound)?;
    let p = patient::Entity::find_by_id(s.patient_id)
        .one(db)
        .await
        .map_err(RepoError::from)?
        .ok_or(RepoError::NotFound)?;
    let name = PersonName::from_dicom(&p.name).unwrap_or(PersonName {
        family: String::new(),
        given: String::new(),
        middle: String::new(),
    });
    let birth =
        domain::registry::CivilDate::parse(domain::registry::FieldName::BirthDate, &p.birth_date)
            .map(|d| d.to_string())
            .unwrap_or_default();
    Ok(PatientInput {
        clinic: clinic.0,
        mrn: p.patient_key,
        family_name: name.family,
        given_name: name.given,
        birth_date: birth,
        sex: Sex::from_code(&p.sex),
        ..Default::default()
    })
}
