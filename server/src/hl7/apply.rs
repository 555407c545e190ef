//! Applying a read message to the registry inside the intake's transaction: patients
//! registered or updated (ADT^A04/A08), merged (ADT^A40), orders created, changed, cancelled or
//! moved along their lifecycle (ORM^O01, OMI^O23). A content error names its field and undoes
//! the whole message (the caller rolls back).

use crate::db::orders::{self as order_repo, NewOrder};
use crate::db::procedures::ProcedureRef;
use crate::db::{RepoError, patients, physicians, procedures};
use crate::workflow::{WorkflowError, orders, patients as patient_flow, time};
use domain::ClinicId;
use domain::hl7::read::{self, Event, OrderControl, OrderRead, PhysicianRef, PidRead};
use domain::hl7::{ErrCode, Issue, Loc, Message};
use domain::orders::OrderStatus;
use domain::registry::{
    FieldError, NotifyPrefs, PersonName, Problem, UrgentChannel, ValidPhysician,
};
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

fn content(code: ErrCode, loc: Loc, text: impl Into<String>) -> ApplyError {
    ApplyError::Content(Issue::error(code, Some(loc), text))
}

/// A workflow refusal at `loc`.
fn refused(e: WorkflowError, loc: Loc) -> ApplyError {
    match e {
        WorkflowError::Repo(RepoError::Field(f)) | WorkflowError::Field(f) => field_issue(&f, loc),
        WorkflowError::Repo(r) => ApplyError::Db(r),
        other => content(ErrCode::ApplicationInternalError, loc, other.to_string()),
    }
}

fn field_issue(f: &FieldError, loc: Loc) -> ApplyError {
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
        Event::Order => apply_orders(db, ctx, m).await,
    }
}

fn pid_error(pid: &PidRead) -> impl Fn(FieldError) -> ApplyError + '_ {
    move |e| ApplyError::Content(pid.issue(&e, ErrCode::DataTypeError))
}

/// Creates the PID's patient, or (when `update`) updates it if it exists. Returns its id.
async fn upsert_patient(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    pid: &PidRead,
    update: bool,
) -> Result<(i64, Vec<Issue>), ApplyError> {
    let mut input = pid.input.clone();
    input.clinic = ctx.clinic.0;
    let mut v = input.check(time::today()).map_err(pid_error(pid))?;
    let warnings: Vec<Issue> = v
        .warnings
        .iter()
        .map(|w| Issue::warning(ErrCode::DataTypeError, pid.ramq_loc.clone(), w.to_string()))
        .collect();
    let existing = patients::find_id(db, ctx.clinic, v.mrn.as_str()).await?;
    let id = match existing {
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
    };
    Ok((id, warnings))
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

async fn apply_orders(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    m: &Message,
) -> Result<Vec<Issue>, ApplyError> {
    let om = read::read_orders(m).map_err(ApplyError::Content)?;
    let mut warnings = Vec::new();
    let patient = match &om.patient {
        Some(pid) => {
            let (id, w) = upsert_patient(db, ctx, pid, false).await?;
            warnings.extend(w);
            Some(id)
        }
        None => None,
    };
    for o in &om.orders {
        match o.control {
            OrderControl::New => {
                let Some(p) = patient else {
                    let text = "a new order needs the patient's PID segment";
                    return Err(content(
                        ErrCode::RequiredFieldMissing,
                        Loc::new("PID", 1, 0),
                        text,
                    ));
                };
                new_order(db, ctx, o, p).await?;
            }
            OrderControl::Change => change_order(db, ctx, o, patient).await?,
            OrderControl::Cancel => status(db, ctx, o, OrderStatus::Cancelled).await?,
            OrderControl::Discontinue => status(db, ctx, o, OrderStatus::Discontinued).await?,
            OrderControl::Status => {
                let missing = || {
                    content(
                        ErrCode::RequiredFieldMissing,
                        o.loc("ORC", 5),
                        "ORC-5 is required with SC",
                    )
                };
                status(db, ctx, o, o.order_status.ok_or_else(missing)?).await?;
            }
        }
    }
    Ok(warnings)
}

/// The procedure and referring physician an order line names, looked up together.
async fn refs(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    o: &OrderRead,
) -> Result<(ProcedureRef, Option<i64>), ApplyError> {
    let loc = o.loc("OBR", 4);
    if o.procedure_code.is_empty() {
        return Err(content(
            ErrCode::RequiredFieldMissing,
            loc,
            "OBR-4 has no procedure code",
        ));
    }
    let licence = o
        .physician
        .as_ref()
        .and_then(|r| domain::registry::licence_number(&r.licence).ok());
    let found =
        procedures::order_refs(db, ctx.clinic, &o.procedure_code, licence.as_deref()).await?;
    let Some(pr) = found.procedure.filter(|p| p.active) else {
        let text = format!(
            "procedure {:?} is not in the clinic's catalogue",
            o.procedure_code
        );
        return Err(content(ErrCode::TableValueNotFound, loc, text));
    };
    let physician = match (&o.physician, licence, found.physician) {
        (_, _, Some((id, member))) => {
            if !member {
                physicians::add_clinic(db, id, ctx.clinic).await?;
            }
            Some(id)
        }
        (Some(r), Some(licence), None) => Some(new_physician(db, ctx, r, licence).await?),
        _ => None,
    };
    Ok((pr, physician))
}

/// A referring physician new to Passerelle, created from the order's XCN.
async fn new_physician(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    r: &PhysicianRef,
    licence: String,
) -> Result<i64, ApplyError> {
    let family = if r.family.is_empty() {
        licence.clone()
    } else {
        r.family.clone()
    };
    let name = PersonName::new(&family, &r.given).map_err(|e| field_issue(&e, r.loc.clone()))?;
    let v = ValidPhysician {
        name,
        licence,
        clinics: vec![ctx.clinic],
        email: None,
        phone: None,
        phone2: None,
        notify: NotifyPrefs {
            in_app: true,
            email: false,
            urgent: UrgentChannel::Phone,
        },
        user_id: None,
        active: true,
    };
    Ok(physicians::insert(db, &v).await?)
}

async fn new_order(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    o: &OrderRead,
    patient: i64,
) -> Result<(), ApplyError> {
    let key = o.accession.as_ref().map(|a| a.as_str());
    if order_repo::locate(db, ctx.clinic, key, &o.placer, &o.filler)
        .await?
        .is_some()
    {
        let text = "this order exists already (same accession, placer or filler number)";
        return Err(content(
            ErrCode::DuplicateKeyIdentifier,
            o.loc("ORC", 2),
            text,
        ));
    }
    let (pr, physician_id) = refs(db, ctx, o).await?;
    let new = NewOrder {
        clinic: ctx.clinic.0,
        patient_id: patient,
        physician_id,
        procedure_id: pr.id,
        accession: key.unwrap_or("").to_owned(),
        priority: Some(o.priority),
        reason: o.reason.chars().take(256).collect(),
        scheduled_at: o
            .scheduled
            .map(time::instant)
            .unwrap_or_else(crate::db::now),
        station_ae: o
            .station_ae
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        modality: o
            .modality
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or(pr.modality),
        study_uid: o.study_uid.clone().unwrap_or_default(),
        placer_number: o.placer.clone(),
        filler_number: o.filler.clone(),
        requested_procedure_id: o.requested_procedure_id.clone(),
        sps_id: o.sps_id.clone(),
        admission_id: o.admission_id.clone(),
        source: "hl7".into(),
    };
    let loc = if o.study_uid.is_some() {
        o.loc("ZDS", 1)
    } else {
        o.loc("OBR", 18)
    };
    orders::create(db, new, &ctx.accession_prefix, &ctx.actor)
        .await
        .map_err(|e| refused(e, loc))?;
    Ok(())
}

async fn located(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    o: &OrderRead,
) -> Result<order_repo::OrderRowModel, ApplyError> {
    let key = o.accession.as_ref().map(|a| a.as_str());
    let missing = || {
        let text = "no order of this clinic has this accession, placer or filler number";
        content(ErrCode::UnknownKeyIdentifier, o.loc("ORC", 2), text)
    };
    order_repo::locate(db, ctx.clinic, key, &o.placer, &o.filler)
        .await?
        .ok_or_else(missing)
}

/// `new` if given, else `old`.
fn or_keep(new: &str, old: &str) -> String {
    if new.is_empty() {
        old.to_owned()
    } else {
        new.to_owned()
    }
}

async fn change_order(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    o: &OrderRead,
    patient: Option<i64>,
) -> Result<(), ApplyError> {
    let cur = located(db, ctx, o).await?;
    let (pr, physician_id) = refs(db, ctx, o).await?;
    let station = o
        .station_ae
        .as_ref()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let new = NewOrder {
        patient_id: patient.unwrap_or(cur.patient_id),
        physician_id: physician_id.or(cur.physician_id),
        procedure_id: pr.id,
        priority: Some(o.priority),
        reason: or_keep(&o.reason.chars().take(256).collect::<String>(), &cur.reason),
        scheduled_at: o.scheduled.map(time::instant).unwrap_or(cur.scheduled_at),
        station_ae: or_keep(&station, &cur.station_ae),
        modality: o
            .modality
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or(pr.modality),
        placer_number: or_keep(&o.placer, &cur.placer_number),
        filler_number: or_keep(&o.filler, &cur.filler_number),
        requested_procedure_id: cur.requested_procedure_id.clone(),
        sps_id: cur.sps_id.clone(),
        admission_id: or_keep(&o.admission_id, &cur.admission_id),
        ..Default::default()
    };
    order_repo::update(db, cur.id, &new, &ctx.actor, "ORC-1 XO")
        .await
        .map_err(|e| refused(e.into(), o.loc("ORC", 1)))
}

async fn status(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    o: &OrderRead,
    to: OrderStatus,
) -> Result<(), ApplyError> {
    let current = located(db, ctx, o).await?;
    let note = format!("ORC-1 {:?}", o.control);
    order_repo::set_status(db, current.id, to, &ctx.actor, &note)
        .await
        .map(|_| ())
        .map_err(|e| refused(e.into(), o.loc("ORC", 1)))
}
