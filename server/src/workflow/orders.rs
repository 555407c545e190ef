//! Orders: today's list (or any dates), one order with its history and studies, create and
//! change (references checked in the clinic, accession generated when none is given, a Study
//! Instance UID assigned), status changes by the lifecycle, and accepting a flagged study link.
//! A referring physician sees only the orders they referred.

use super::{Result, WorkflowError, actor, require, require_in, time};
use crate::db::audit::{self, Record};
use crate::db::order_reads::{self, Viewer};
use crate::db::orders::{self, NewOrder, OrderRowModel};
use crate::db::registry_entities::{patient_record, procedure};
use crate::db::{RepoError, counters, gate, order_links, physicians, procedures};
use crate::state::AppState;
use domain::orders::{AccessionNumber, OrderInput, OrderQuery, OrderRow, OrderStatus, OrderView};
use domain::registry::{CivilDate, FieldError, FieldName, Problem};
use domain::views::{Page, SessionUser};
use domain::{ClinicId, Permission, Role};
use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
use serde_json::json;

/// Who is asking, as the order reads see it.
async fn viewer(state: &AppState, user: &SessionUser) -> Result<Viewer> {
    if user.role == Role::ReferringPhysician {
        return match physicians::of_user(&state.db, user.id.0).await? {
            Some(p) => Ok(Viewer::Physician(p)),
            None => Err(WorkflowError::Forbidden),
        };
    }
    require(user, Permission::ViewRegistry)?;
    Ok(Viewer::Clinics)
}

fn local_times(rows: &mut [OrderRow]) {
    for r in rows {
        r.scheduled_local = time::text(r.scheduled_at);
    }
}

/// The day range a query asks for (today when it names none).
fn bounds(q: &OrderQuery) -> Result<(i64, i64)> {
    let day = |s: &str| -> Result<Option<CivilDate>> {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            Ok(Some(CivilDate::parse(FieldName::ScheduledAt, s)?))
        }
    };
    let today = time::today();
    let from = day(&q.date_from)?;
    let to = day(&q.date_to)?;
    let (from, to) = match (from, to) {
        (None, None) => (today, today),
        (Some(f), None) => (f, f),
        (None, Some(t)) => (t, t),
        (Some(f), Some(t)) => (f, t),
    };
    Ok(time::day_bounds(from, to))
}

pub async fn list(state: &AppState, user: &SessionUser, q: OrderQuery) -> Result<Page<OrderRow>> {
    let v = viewer(state, user).await?;
    let mut page = order_reads::search(&state.db, &user.scope(), v, &q, bounds(&q)?).await?;
    local_times(&mut page.rows);
    Ok(page)
}

pub async fn get(state: &AppState, user: &SessionUser, id: i64) -> Result<OrderView> {
    let v = viewer(state, user).await?;
    let mut o = order_reads::get(&state.db, &user.scope(), v, id).await?;
    o.row.scheduled_local = time::text(o.row.scheduled_at);
    Ok(o)
}

fn not_found(field: FieldName) -> WorkflowError {
    WorkflowError::Field(FieldError::new(field, Problem::NotFound))
}

/// The patient of an order: a current record of the clinic.
pub async fn check_patient(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    id: i64,
) -> Result<patient_record::Model> {
    match patient_record::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(RepoError::from)?
    {
        Some(p) if p.clinic_id == clinic.0 && p.merged_into.is_none() => Ok(p),
        _ => Err(not_found(FieldName::Patient)),
    }
}

/// The procedure of an order: an active entry of the clinic's catalogue.
pub async fn check_procedure(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    id: i64,
) -> Result<procedure::Model> {
    match procedure::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(RepoError::from)?
    {
        Some(p) if p.clinic_id == clinic.0 && p.active => Ok(p),
        _ => Err(not_found(FieldName::Procedure)),
    }
}

/// The referring physician of an order: one who refers to the clinic.
pub async fn check_physician(db: &impl ConnectionTrait, clinic: ClinicId, id: i64) -> Result<()> {
    let p = physicians::get(db, &domain::Scope::All, id)
        .await
        .map_err(|_| not_found(FieldName::Physician))?;
    if p.clinics.contains(&clinic) {
        Ok(())
    } else {
        Err(not_found(FieldName::Physician))
    }
}

/// A new accession number for the clinic: `prefix` and the clinic's counter, skipping numbers
/// already used (by a RIS, say).
pub async fn next_accession(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    prefix: &str,
) -> Result<AccessionNumber> {
    for _ in 0..1000 {
        let n = counters::next(db, &format!("accession:{}", clinic.0)).await?;
        let a = AccessionNumber::generated(prefix, n)?;
        if !orders::accession_used(db, clinic.0, a.as_str()).await? {
            return Ok(a);
        }
    }
    Err(WorkflowError::Field(FieldError::new(
        FieldName::Accession,
        Problem::Taken,
    )))
}

/// Creates an order in the caller's transaction: accession generated if missing, Study Instance
/// UID assigned if missing, studies already received linked.
pub async fn create(
    db: &impl ConnectionTrait,
    o: NewOrder,
    prefix: &str,
    who: &str,
) -> Result<i64> {
    create_with(db, o, prefix, who, true).await
}

/// [`create`], told by the caller's own lookup whether a study already carries the order's
/// Study Instance UID or accession (`studies`): when none does, the search for studies to link
/// is skipped (a statement fewer per HL7 order). A generated accession is always searched.
pub async fn create_with(
    db: &impl ConnectionTrait,
    mut o: NewOrder,
    prefix: &str,
    who: &str,
    studies: bool,
) -> Result<i64> {
    let mut search = studies;
    if o.accession.is_empty() {
        o.accession = next_accession(db, ClinicId(o.clinic), prefix).await?.into();
        search = true;
    }
    if o.study_uid.is_empty() {
        o.study_uid = crate::synth::new_uid();
    }
    let row = orders::insert(db, &o, who).await?;
    if search {
        order_links::link_existing(db, &row, who).await?;
    }
    Ok(row.id)
}

/// The order a form describes, its references checked in the clinic.
async fn from_form(db: &impl ConnectionTrait, input: &OrderInput) -> Result<NewOrder> {
    let clinic = ClinicId(input.clinic);
    let v = input.check()?;
    check_patient(db, clinic, input.patient_id).await?;
    let pr = check_procedure(db, clinic, input.procedure_id).await?;
    if let Some(p) = input.physician_id {
        check_physician(db, clinic, p).await?;
    }
    Ok(NewOrder {
        clinic: clinic.0,
        patient_id: input.patient_id,
        physician_id: input.physician_id,
        procedure_id: pr.id,
        accession: v.accession.map(String::from).unwrap_or_default(),
        priority: Some(input.priority),
        reason: v.reason,
        scheduled_at: time::instant(v.scheduled),
        station_ae: v.station_ae.map(String::from).unwrap_or_default(),
        modality: v.modality.map(String::from).unwrap_or(pr.modality),
        source: "ui".into(),
        ..Default::default()
    })
}

async fn audit_order(
    db: &impl ConnectionTrait,
    who: &str,
    clinic: i64,
    id: i64,
    change: &str,
) -> std::result::Result<(), RepoError> {
    audit::record(
        db,
        Record {
            actor: who,
            clinic_id: Some(clinic),
            action: "order_record",
            node_id: None,
            detail: json!({ "order": id, "change": change }),
            outcome: "ok",
            result_count: None,
        },
    )
    .await
}

/// Creates (`id` None) or changes an order of one of the user's clinics.
pub async fn save(
    state: &AppState,
    user: &SessionUser,
    id: Option<i64>,
    input: OrderInput,
) -> Result<OrderView> {
    require_in(user, Permission::ManageRegistry, ClinicId(input.clinic))?;
    let db = &state.db;
    let who = actor(user);
    let prefix = state.config.orders.accession_prefix.clone();
    let guard = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    let new = from_form(&txn, &input).await?;
    let saved = match id {
        None => create(&txn, new, &prefix, &who).await?,
        Some(id) => {
            let current = orders::by_id(&txn, id).await?;
            if current.clinic_id != input.clinic
                || !user.scope().allows(ClinicId(current.clinic_id))
            {
                return Err(WorkflowError::Forbidden);
            }
            orders::update(&txn, id, &new, &who, "").await?;
            id
        }
    };
    audit_order(
        &txn,
        &who,
        input.clinic,
        saved,
        if id.is_some() { "update" } else { "create" },
    )
    .await?;
    txn.commit().await.map_err(RepoError::from)?;
    drop(guard);
    get(state, user, saved).await
}

/// Order `id`, if the user may manage the records of its clinic.
async fn to_manage(
    db: &impl ConnectionTrait,
    user: &SessionUser,
    id: i64,
) -> Result<OrderRowModel> {
    let current = orders::by_id(db, id).await?;
    require_in(
        user,
        Permission::ManageRegistry,
        ClinicId(current.clinic_id),
    )?;
    Ok(current)
}

/// Moves an order along its lifecycle (cancel, complete, discontinue…), with a note.
pub async fn set_status(
    state: &AppState,
    user: &SessionUser,
    id: i64,
    to: OrderStatus,
    note: &str,
) -> Result<OrderView> {
    let db = &state.db;
    let current = to_manage(db, user, id).await?;
    let who = actor(user);
    let guard = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    orders::set_status(&txn, id, to, &who, note).await?;
    audit_order(&txn, &who, current.clinic_id, id, to.as_str()).await?;
    txn.commit().await.map_err(RepoError::from)?;
    drop(guard);
    get(state, user, id).await
}

/// Staff accept a study flagged as another patient's (after checking the images).
pub async fn accept_link(
    state: &AppState,
    user: &SessionUser,
    id: i64,
    study: i64,
    note: &str,
) -> Result<OrderView> {
    let db = &state.db;
    let current = to_manage(db, user, id).await?;
    let who = actor(user);
    let guard = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    if !order_links::resolve(&txn, id, study, &who, note).await? {
        return Err(WorkflowError::Repo(RepoError::NotFound));
    }
    audit_order(&txn, &who, current.clinic_id, id, "link_accepted").await?;
    txn.commit().await.map_err(RepoError::from)?;
    drop(guard);
    get(state, user, id).await
}

/// The procedures of a clinic an order can be for (active ones), for the order form.
pub async fn procedures_for(
    state: &AppState,
    user: &SessionUser,
    clinic: i64,
) -> Result<Vec<domain::registry::ProcedureView>> {
    require(user, Permission::ViewRegistry)?;
    let all = procedures::list(&state.db, &user.scope(), Some(clinic)).await?;
    Ok(all.into_iter().filter(|p| p.active).collect())
}
