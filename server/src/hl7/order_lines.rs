//! The order lines of ORM^O01 / OMI^O23 applied inside the intake's transaction (HL7 v2.5.1
//! ch. 4.5, ORC-1 order control): new orders created with everything they refer to found in
//! one statement, changes (XO), cancels (CA), discontinues (DC) and status changes (SC).

use super::apply::{ApplyError, Ctx, check_pid, content, field_issue, refused, register};
use crate::db::order_intake::{self, Found, Keys, ProcedureRef};
use crate::db::orders::{self as order_repo, NewOrder};
use crate::db::{patients, physicians};
use crate::workflow::{orders, time};
use domain::hl7::read::{self, OrderControl, OrderRead, PhysicianRef, PidRead};
use domain::hl7::{ErrCode, Issue, Loc, Message};
use domain::orders::OrderStatus;
use domain::registry::{NotifyPrefs, PersonName, UrgentChannel, ValidPhysician};
use sea_orm::ConnectionTrait;

pub(super) async fn apply_orders(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    m: &Message,
) -> Result<Vec<Issue>, ApplyError> {
    let om = read::read_orders(m).map_err(ApplyError::Content)?;
    let (patient, mut first, warnings) = match &om.patient {
        Some(pid) => order_patient(db, ctx, pid, om.orders.first()).await?,
        None => (None, None, Vec::new()),
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
                new_order(db, ctx, o, p, first.take()).await?;
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

/// The order message's patient, created if new. When the first line is a new order, its
/// references are found in the patient's statement and returned for it.
async fn order_patient(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    pid: &PidRead,
    first: Option<&OrderRead>,
) -> Result<(Option<i64>, Option<Found>, Vec<Issue>), ApplyError> {
    let (v, warnings) = check_pid(ctx, pid)?;
    let Some(o) = first.filter(|o| matches!(o.control, OrderControl::New)) else {
        let existing = patients::find_id(db, ctx.clinic, v.mrn.as_str()).await?;
        let id = register(db, ctx, pid, v, existing, false).await?;
        return Ok((Some(id), None, warnings));
    };
    let found = find(db, ctx, o, Some(v.mrn.as_str())).await?;
    let existing = match found.patient {
        // A number merged away: follow the merges to the surviving record.
        Some(hit) if hit.merged => patients::find_id(db, ctx.clinic, v.mrn.as_str()).await?,
        Some(hit) => Some(hit.id),
        None => None,
    };
    let id = register(db, ctx, pid, v, existing, false).await?;
    Ok((Some(id), Some(found), warnings))
}

/// The licence number of ORC-12, when it is one.
fn licence(o: &OrderRead) -> Option<String> {
    o.physician
        .as_ref()
        .and_then(|r| domain::registry::licence_number(&r.licence).ok())
}

/// Everything an order line refers to, in one statement (with the patient of `mrn` if given).
async fn find(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    o: &OrderRead,
    mrn: Option<&str>,
) -> Result<Found, ApplyError> {
    let licence = licence(o);
    let accession = o.accession.as_ref().map(|a| a.as_str()).unwrap_or("");
    let keys = Keys {
        clinic: ctx.clinic,
        mrn,
        procedure_code: &o.procedure_code,
        licence: licence.as_deref(),
        order_keys: Some((accession, &o.placer, &o.filler)),
        study_keys: Some((o.study_uid.as_deref().unwrap_or(""), accession)),
    };
    Ok(order_intake::lookup(db, &keys).await?)
}

/// The procedure and referring physician an order line names (the physician created, or
/// added to the clinic, when needed).
async fn refs(
    db: &impl ConnectionTrait,
    ctx: &Ctx,
    o: &OrderRead,
    found: &Found,
) -> Result<(ProcedureRef, Option<i64>), ApplyError> {
    let loc = o.loc("OBR", 4);
    if o.procedure_code.is_empty() {
        return Err(content(
            ErrCode::RequiredFieldMissing,
            loc,
            "OBR-4 has no procedure code",
        ));
    }
    let Some(pr) = found.procedure.clone().filter(|p| p.active) else {
        let text = format!(
            "procedure {:?} is not in the clinic's catalogue",
            o.procedure_code
        );
        return Err(content(ErrCode::TableValueNotFound, loc, text));
    };
    let physician = match (&o.physician, licence(o), found.physician) {
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
    found: Option<Found>,
) -> Result<(), ApplyError> {
    let key = o.accession.as_ref().map(|a| a.as_str());
    let found = match found {
        Some(f) => f,
        None => find(db, ctx, o, None).await?,
    };
    if found.duplicate {
        let text = "this order exists already (same accession, placer or filler number)";
        return Err(content(
            ErrCode::DuplicateKeyIdentifier,
            o.loc("ORC", 2),
            text,
        ));
    }
    let (pr, physician_id) = refs(db, ctx, o, &found).await?;
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
    orders::create_with(db, new, &ctx.accession_prefix, &ctx.actor, found.studies)
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
    let found = find(db, ctx, o, None).await?;
    let (pr, physician_id) = refs(db, ctx, o, &found).await?;
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
