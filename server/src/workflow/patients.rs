//! Patients: list, page (record, orders, studies), create and change with the RAMQ checks
//! (a malformed number refused, a disagreement saved only once confirmed), and merge (audited;
//! nothing deleted).

use super::{Result, WorkflowError, actor, require, require_in, time};
use crate::db::audit::{self, Record};
use crate::db::order_reads::{self, Viewer};
use crate::db::{RepoError, gate, patients, studies};
use crate::state::AppState;
use domain::orders::{OrderQuery, PatientFile};
use domain::registry::{PatientInput, PatientQuery, PatientView, ValidPatient};
use domain::views::{Page, SessionUser};
use domain::{ClinicId, Permission};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

pub async fn list(
    state: &AppState,
    user: &SessionUser,
    q: PatientQuery,
) -> Result<Page<PatientView>> {
    require(user, Permission::ViewRegistry)?;
    Ok(patients::search(&state.db, &user.scope(), &q).await?)
}

/// A patient's page: the record, its orders (every date) and the studies of its identifiers.
pub async fn file(state: &AppState, user: &SessionUser, id: i64) -> Result<PatientFile> {
    require(user, Permission::ViewRegistry)?;
    let db = &state.db;
    let scope = user.scope();
    let patient = patients::get(db, &scope, id).await?;
    let q = OrderQuery {
        patient_id: Some(id),
        ..Default::default()
    };
    let mut orders = order_reads::search(db, &scope, Viewer::Clinics, &q, (0, 0))
        .await?
        .rows;
    for o in &mut orders {
        o.scheduled_local = time::text(o.scheduled_at);
    }
    let keys = patients::all_identifiers(db, id).await?;
    let studies = studies::of_patient_keys(db, patient.clinic, &keys).await?;
    let merged_into = match patient.merged_into {
        Some(m) => patients::get(db, &scope, m).await.ok(),
        None => None,
    };
    Ok(PatientFile {
        patient,
        orders,
        studies,
        merged_into,
    })
}

/// Validates a form: errors refuse it; RAMQ disagreements refuse it unless confirmed.
pub fn validate(input: &PatientInput) -> Result<ValidPatient> {
    let v = input.check(time::today())?;
    if !v.warnings.is_empty() && !input.confirm_warnings {
        return Err(WorkflowError::Warnings(v.warnings));
    }
    Ok(v)
}

/// Records a change of a patient record in the audit trail (Law 25: who changed what).
pub async fn audit_change(
    db: &impl ConnectionTrait,
    who: &str,
    clinic: ClinicId,
    id: i64,
    change: &str,
    detail: serde_json::Value,
) -> std::result::Result<(), RepoError> {
    audit::record(
        db,
        Record {
            actor: who,
            clinic_id: Some(clinic.0),
            action: "patient_record",
            node_id: None,
            detail: json!({ "patient": id, "change": change, "detail": detail }),
            outcome: "ok",
            result_count: None,
        },
    )
    .await
}

/// Creates (`id` None) or updates a patient of one of the user's clinics.
pub async fn save(
    state: &AppState,
    user: &SessionUser,
    id: Option<i64>,
    input: PatientInput,
) -> Result<PatientView> {
    let clinic = ClinicId(input.clinic);
    require_in(user, Permission::ManageRegistry, clinic)?;
    let v = validate(&input)?;
    let db = &state.db;
    if let Some(id) = id {
        let current = patients::get(db, &user.scope(), id).await?;
        if current.clinic != clinic {
            return Err(WorkflowError::Forbidden);
        }
    }
    let who = actor(user);
    let _gate = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    let (saved, change) = match id {
        Some(id) => {
            patients::update(&txn, id, &v).await?;
            (id, "update")
        }
        None => (patients::insert(&txn, &v, "ui").await?, "create"),
    };
    let detail = json!({ "mrn": v.mrn.as_str(), "warnings_confirmed": v.warnings.len() });
    audit_change(&txn, &who, clinic, saved, change, detail).await?;
    txn.commit().await.map_err(RepoError::from)?;
    Ok(patients::get(db, &user.scope(), saved).await?)
}

/// Merges record `from` into `into` (two records of one person in one clinic), audited.
pub async fn merge(
    state: &AppState,
    user: &SessionUser,
    into: i64,
    from: i64,
) -> Result<PatientView> {
    let db = &state.db;
    let scope = user.scope();
    let target = patients::get(db, &scope, into).await?;
    let source = patients::get(db, &scope, from).await?;
    require_in(user, Permission::ManageRegistry, target.clinic)?;
    let who = actor(user);
    let _gate = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    let moved = patients::merge(&txn, into, from).await?;
    record_merge(&txn, &who, target.clinic, &target, &source, moved).await?;
    txn.commit().await.map_err(RepoError::from)?;
    Ok(patients::get(db, &scope, into).await?)
}

/// The audit event of a merge (UI or ADT^A40).
pub async fn record_merge(
    db: &impl ConnectionTrait,
    who: &str,
    clinic: ClinicId,
    into: &PatientView,
    from: &PatientView,
    moved: patients::Merged,
) -> std::result::Result<(), RepoError> {
    audit::record(
        db,
        Record {
            actor: who,
            clinic_id: Some(clinic.0),
            action: "patient_merge",
            node_id: None,
            detail: json!({
                "into": into.id, "into_mrn": into.mrn,
                "from": from.id, "from_mrn": from.mrn,
                "identifiers": moved.identifiers, "orders": moved.orders,
            }),
            outcome: "ok",
            result_count: None,
        },
    )
    .await
}
