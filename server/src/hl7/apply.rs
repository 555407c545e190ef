//! Applying a read message to the registry inside the intake's transaction: patients
//! registered or updated (ADT^A04/A08), merged (ADT^A40), and the order messages (ORM^O01,
//! OMI^O23) handed to `order_lines`. A content error names its field and undoes the whole
//! message (the caller rolls back).

use crate::db::{RepoError, patients};
use crate::workflow::{WorkflowError, patients as patient_flow, time};
use domain::ClinicId;
use domain::hl7::read::{self, Event, PidRead};
use domain::hl7::{ErrCode, Issue, Loc, Message};
use domain::registry::{FieldError, Problem, ValidPatient};
use sea_orm::ConnectionTrait;
use serde_json::json;

/// Why a message was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The content is wrong (answered AE).
    #[error("{}", .0.text)]
    Content(Issue),
    /// The database failed (answered AE 207; nothing stored, the sender retries).
    #[error(transparent)]
    Db(#[from] RepoError),
}

/// Who and where a message is applied for.
pub struct Ctx {
    pub clinic: ClinicId,
    /// `hl7:APP@FACILITY`, in histories and the audit trail.
    pub actor: String,
    pub accession_prefix: String,
}

/// The issue of a message whose facility (MSH-4) is mapped to no clinic (answered AE).
pub fn unmapped(sending_facility: &str) -> Issue {
    let text = format!("facility {sending_facility:?} is not mapped to a clinic");
    Issue::error(
        ErrCode::UnknownKeyIdentifier,
        Some(Loc::new("MSH", 1, 4)),
        text,
    )
}

pub(super) fn content(code: ErrCode, loc: Loc, text: impl Into<String>) -> ApplyError {
    ApplyError::Content(Issue::error(code, Some(loc), text))
}

/// A workflow refusal at `loc`.
pub(super) fn refused(e: WorkflowError, loc: Loc) -> ApplyError {
    match e {
        WorkflowError::Repo(RepoError::Field(f)) | WorkflowError::Field(f) => field_issue(&f, loc),
        WorkflowError::Repo(r) => ApplyError::Db(r),
        other => content(ErrCode::ApplicationInternalError, loc, other.to_string()),
    }
}

pub(super) fn field_issue(f: &FieldError, loc: Loc) -> ApplyError {
    let code = match f.problem {
        Problem::Taken => ErrCode::DuplicateKeyIdentifier,
        Problem::NotFound => ErrCode::UnknownKeyIdentifier,
        Problem::Transition { .. } | Problem::Conflict { .. } => ErrCode::ApplicationRecordLocked,
        _ => ErrCode::DataTypeError,
    };
    content(code, loc, f.to_string())
}

/// Applies the message; `Ok` carries warnings for the ACK (RAMQ disagreements).
pub async fn apply(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    m: &Message,
    event: Event,
) -> Result<Vec<Issue>, ApplyError> {
    match event {
        Event::Register | Event::Update => {
            let pid = read::read_pid(m, 1).map_err(ApplyError::Content)?;
            upsert_patient(db, ctx, &pid, true).await.map(|(_, w)| w)
        }
        Event::Merge => merge(db, ctx, m).await,
        Event::Order => super::order_lines::apply_orders(db, ctx, m).await,
    }
}

fn pid_error(pid: &PidRead) -> impl Fn(FieldError) -> ApplyError + '_ {
    move |e| ApplyError::Content(pid.issue(&e, ErrCode::DataTypeError))
}

/// The PID's patient checked (RAMQ disagreements become warnings for the ACK).
pub(super) fn check_pid(
    ctx: &Ctx,
    pid: &PidRead,
) -> Result<(ValidPatient, Vec<Issue>), ApplyError> {
    let mut input = pid.input.clone();
    input.clinic = ctx.clinic.0;
    let v = input.check(time::today()).map_err(pid_error(pid))?;
    let warnings = v
        .warnings
        .iter()
        .map(|w| Issue::warning(ErrCode::DataTypeError, pid.ramq_loc.clone(), w.to_string()))
        .collect();
    Ok((v, warnings))
}

/// Creates the PID's patient, or (when `update`) updates it if it exists. Returns its id.
async fn upsert_patient(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    pid: &PidRead,
    update: bool,
) -> Result<(i64, Vec<Issue>), ApplyError> {
    let (v, warnings) = check_pid(ctx, pid)?;
    let existing = patients::find_id(db, ctx.clinic, v.mrn.as_str()).await?;
    Ok((register(db, ctx, pid, v, existing, update).await?, warnings))
}

/// The patient `existing` names (updated when `update`), or a new one.
pub(super) async fn register(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    pid: &PidRead,
    mut v: ValidPatient,
    existing: Option<i64>,
    update: bool,
) -> Result<i64, ApplyError> {
    Ok(match existing {
        Some(id) if update => {
            // A number merged away updates the surviving record, which keeps its own number.
            if let Some(primary) = patients::all_identifiers(db, id).await?.first() {
                v.mrn = domain::registry::Mrn::parse(primary).map_err(pid_error(pid))?;
            }
            patients::update(db, id, &v)
                .await
                .map_err(|e| refused(e.into(), pid.mrn_loc()))?;
            let detail = json!({ "mrn": v.mrn.as_str() });
            patient_flow::audit_change(db, &ctx.actor, ctx.clinic, id, "update", detail).await?;
            id
        }
        Some(id) => id,
        None => {
            let id = patients::insert(db, &v, "hl7")
                .await
                .map_err(|e| refused(e.into(), pid.mrn_loc()))?;
            let detail = json!({ "mrn": v.mrn.as_str() });
            patient_flow::audit_change(db, &ctx.actor, ctx.clinic, id, "create", detail).await?;
            id
        }
    })
}

/// ADT^A40: each prior record merged into the PID's (created if unknown).
async fn merge(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    m: &Message,
) -> Result<Vec<Issue>, ApplyError> {
    let mut warnings = Vec::new();
    for mr in read::read_merges(m).map_err(ApplyError::Content)? {
        let (into, w) = upsert_patient(db, ctx, &mr.surviving, false).await?;
        warnings.extend(w);
        let loc = Loc::new("MRG", mr.mrg_seq, 1);
        let Some(from) = patients::find_id(db, ctx.clinic, &mr.prior_mrn).await? else {
            let text = format!("MRG-1: no patient has the number {:?}", mr.prior_mrn);
            return Err(content(ErrCode::UnknownKeyIdentifier, loc, text));
        };
        if from == into {
            continue;
        }
        let scope = domain::Scope::All;
        let (a, b) = (
            patients::get(db, &scope, into).await?,
            patients::get(db, &scope, from).await?,
        );
        let moved = patients::merge(db, into, from)
            .await
            .map_err(|e| refused(e.into(), loc))?;
        patient_flow::record_merge(db, &ctx.actor, ctx.clinic, &a, &b, moved).await?;
    }
    Ok(warnings)
}
