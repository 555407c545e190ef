//! Orders: create, change, status changes (checked against the lifecycle in `domain`), their
//! history, and finding them by accession, placer or filler number or Study Instance UID.
//! Reads for the screens are in `order_reads`; study links in `order_links`.

use super::registry_entities::{order, order_event};
use super::{RepoError, now};
use domain::ClinicId;
use domain::orders::{OrderStatus, Priority};
use domain::registry::{FieldError, FieldName, Problem};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};

pub use order::Model as OrderRowModel;

/// Everything an order is created with (references already checked by the caller).
#[derive(Debug, Clone, Default)]
pub struct NewOrder {
    pub clinic: i64,
    pub patient_id: i64,
    pub physician_id: Option<i64>,
    pub procedure_id: i64,
    pub accession: String,
    pub priority: Option<Priority>,
    pub reason: String,
    pub scheduled_at: i64,
    pub station_ae: String,
    pub modality: String,
    pub study_uid: String,
    pub placer_number: String,
    pub filler_number: String,
    pub requested_procedure_id: String,
    pub sps_id: String,
    pub admission_id: String,
    pub source: String,
}

fn taken(field: FieldName) -> RepoError {
    RepoError::Field(FieldError::new(field, Problem::Taken))
}

/// The field a unique-index violation on insert is about (the caller's transaction is then
/// rolled back: PostgreSQL refuses anything more in it).
fn clash(e: sea_orm::DbErr) -> RepoError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(m)) if m.contains("study_uid") => {
            taken(FieldName::Study)
        }
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => taken(FieldName::Accession),
        _ => RepoError::Db(e),
    }
}

fn fill(am: &mut order::ActiveModel, o: &NewOrder, t: i64) {
    am.patient_id = Set(o.patient_id);
    am.physician_id = Set(o.physician_id);
    am.procedure_id = Set(o.procedure_id);
    am.priority = Set(o.priority.unwrap_or_default().as_str().to_owned());
    am.reason = Set(o.reason.clone());
    am.scheduled_at = Set(o.scheduled_at);
    am.station_ae = Set(o.station_ae.clone());
    am.modality = Set(o.modality.clone());
    am.placer_number = Set(o.placer_number.clone());
    am.filler_number = Set(o.filler_number.clone());
    am.requested_procedure_id = Set(o.requested_procedure_id.clone());
    am.sps_id = Set(o.sps_id.clone());
    am.admission_id = Set(o.admission_id.clone());
    am.updated_at = Set(t);
}

/// Whether an accession number is used in the clinic.
pub async fn accession_used(
    db: &impl ConnectionTrait,
    clinic: i64,
    accession: &str,
) -> Result<bool, RepoError> {
    Ok(order::Entity::find()
        .filter(order::Column::ClinicId.eq(clinic))
        .filter(order::Column::Accession.eq(accession))
        .one(db)
        .await?
        .is_some())
}

/// Creates a scheduled order and its first history event; returns the stored row.
pub async fn insert(
    db: &impl ConnectionTrait,
    o: &NewOrder,
    actor: &str,
) -> Result<order::Model, RepoError> {
    // The unique indexes (clinic, accession) and (study_uid) are the check: one statement
    // fewer per order than looking first. A violation names its index (PostgreSQL) or its
    // columns (SQLite); both name study_uid only for the study's.
    let t = now();
    let mut am = order::ActiveModel {
        clinic_id: Set(o.clinic),
        accession: Set(o.accession.clone()),
        study_uid: Set(o.study_uid.clone()),
        status: Set(OrderStatus::Scheduled.as_str().to_owned()),
        source: Set(o.source.clone()),
        created_at: Set(t),
        ..Default::default()
    };
    fill(&mut am, o, t);
    let row = am.insert(db).await.map_err(clash)?;
    event(
        db,
        row.id,
        actor,
        "created",
        Some(OrderStatus::Scheduled),
        "",
    )
    .await?;
    Ok(row)
}

/// Changes an order's details (not its clinic, accession, Study Instance UID or status).
pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    o: &NewOrder,
    actor: &str,
    note: &str,
) -> Result<(), RepoError> {
    let row = order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let status = OrderStatus::parse(&row.status).unwrap_or(OrderStatus::Scheduled);
    if !status.editable() {
        return Err(RepoError::Field(FieldError::new(
            FieldName::Status,
            Problem::Conflict {
                why: format!("a {status} order cannot be changed"),
            },
        )));
    }
    let mut am: order::ActiveModel = row.into();
    fill(&mut am, o, now());
    am.update(db).await?;
    event(db, id, actor, "updated", None, note).await
}

/// Moves an order to `to` if the lifecycle allows it. `Ok(false)`: it already was there.
pub async fn set_status(
    db: &impl ConnectionTrait,
    id: i64,
    to: OrderStatus,
    actor: &str,
    note: &str,
) -> Result<bool, RepoError> {
    let row = order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let from = OrderStatus::parse(&row.status).unwrap_or(OrderStatus::Scheduled);
    let changed = from.to(to).map_err(|e| {
        RepoError::Field(FieldError::new(
            FieldName::Status,
            Problem::Transition {
                from: e.from.to_string(),
                to: e.to.to_string(),
            },
        ))
    })?;
    if changed {
        order::Entity::update_many()
            .col_expr(order::Column::Status, Expr::value(to.as_str()))
            .col_expr(order::Column::UpdatedAt, Expr::value(now()))
            .filter(order::Column::Id.eq(id))
            .exec(db)
            .await?;
        event(db, id, actor, "status", Some(to), note).await?;
    }
    Ok(changed)
}

/// Records something that happened to an order.
pub async fn event(
    db: &impl ConnectionTrait,
    order: i64,
    actor: &str,
    kind: &str,
    status: Option<OrderStatus>,
    note: &str,
) -> Result<(), RepoError> {
    order_event::ActiveModel {
        order_id: Set(order),
        at: Set(super::queue::now_ms()),
        actor: Set(actor.chars().take(64).collect()),
        kind: Set(kind.to_owned()),
        status: Set(status.map(|s| s.as_str().to_owned()).unwrap_or_default()),
        note: Set(note.chars().take(500).collect()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<order::Model, RepoError> {
    order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

pub async fn by_study_uid(
    db: &impl ConnectionTrait,
    uid: &str,
) -> Result<Option<order::Model>, RepoError> {
    Ok(order::Entity::find()
        .filter(order::Column::StudyUid.eq(uid))
        .one(db)
        .await?)
}

/// The order of a clinic an HL7 message refers to: by accession number, else placer order
/// number, else filler order number (the first non-empty that matches).
pub async fn locate(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    accession: Option<&str>,
    placer: &str,
    filler: &str,
) -> Result<Option<order::Model>, RepoError> {
    let keys = [
        (order::Column::Accession, accession.unwrap_or("")),
        (order::Column::PlacerNumber, placer),
        (order::Column::FillerNumber, filler),
    ];
    // Each key beside the clinic, so that every branch of the OR uses its (clinic, key) index.
    let mut any = Condition::any();
    for (col, value) in keys.iter().filter(|(_, v)| !v.is_empty()) {
        any = any.add(
            Condition::all()
                .add(order::Column::ClinicId.eq(clinic.0))
                .add(col.eq(*value)),
        );
    }
    if any.is_empty() {
        return Ok(None);
    }
    // Every candidate in one statement, then the first key in order that matches.
    let found = order::Entity::find().filter(any).all(db).await?;
    let pick = |(col, value): &(order::Column, &str)| {
        found.iter().find(|o| {
            !value.is_empty()
                && match col {
                    order::Column::Accession => o.accession == *value,
                    order::Column::PlacerNumber => o.placer_number == *value,
                    _ => o.filler_number == *value,
                }
        })
    };
    Ok(keys.iter().find_map(pick).cloned())
}
